"""Fixtures for email and campaign tests: the shared built warehouse, copied once with a
prompt-injection review added, and a fresh app database per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings
from tests.campaigns.injection import add_injection_review
from tests.conftest import offline_settings
from tools.campaigns.audience import AudienceSpec

CONSENTING = "SELECT customer_id FROM cymbal.customers WHERE marketing_consent"


def reachable(limit: int) -> AudienceSpec:
    """The first ``limit`` unhappy customers who agreed to marketing email: an audience the
    contact policy leaves whole (and too small for a holdout), for tests about other
    things."""
    return AudienceSpec(unhappy=True, sql=CONSENTING, limit=limit)


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
    with offline_settings(data_dir, monkeypatch) as settings:
        yield settings
