"""Fixtures for email and campaign tests: the shared built warehouse, copied once with a
prompt-injection review added, and a fresh app database per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings, get_settings
from tests.campaigns.injection import add_injection_review
from tests.conftest import reset_caches
from tools.warehouse import get_warehouse


@dataclass(frozen=True)
class CampaignWarehouse:
    duckdb_path: Path
    injection_customer: int


@pytest.fixture(scope="session")
def campaign_warehouse(built_data_dir: Path,
                       tmp_path_factory: pytest.TempPathFactory) -> CampaignWarehouse:
    """A copy of the built warehouse with an injection review added."""
    folder = tmp_path_factory.mktemp("campaign-warehouse")
    path = folder / "cymbal.duckdb"
    shutil.copyfile(built_data_dir / "cymbal.duckdb", path)
    con = duckdb.connect(str(path))
    try:
        injection = add_injection_review(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return CampaignWarehouse(path, injection)


@pytest.fixture()
def campaign_settings(campaign_warehouse: CampaignWarehouse, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Offline settings on the campaign warehouse, with an empty app database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "cymbal.duckdb").symlink_to(campaign_warehouse.duckdb_path)
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY",
                "GOOGLE_GENAI_USE_VERTEXAI", "CYMBAL_SMTP_HOST"):
        monkeypatch.delenv(key, raising=False)
    reset_caches()
    yield get_settings()
    get_warehouse().close()
    reset_caches()
