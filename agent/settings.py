"""Every tuning knob of the project, in one typed settings object.

Values come from the environment (prefix ``CYMBAL_``) or a ``.env`` file in the
working directory; ``get_settings()`` returns the process-wide instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
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

    # Model
    model: str = "auto"  # auto | offline | gemini-… | litellm/<provider>/<model>

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cymbal.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
