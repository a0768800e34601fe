"""A copy of the built data folder with hostile customer data (``poison.py``), its review
index brought up to date, and per-test settings on it with an empty app database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings
from pipeline.review_index import build_review_index
from tests.conftest import offline_settings
from tests.exposure.poison import Poisoned, poison

BUILT_FILES = ("cymbal.duckdb", "chroma", "value_index.json")


@dataclass(frozen=True)
class PoisonedData:
    folder: Path
    poisoned: Poisoned
    emails: frozenset[str]  # every customer's address, lower case


@pytest.fixture(scope="session")
def poisoned_data(built_data_dir: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> PoisonedData:
    folder = tmp_path_factory.mktemp("poisoned")
    for name in BUILT_FILES:
        source = built_data_dir / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copyfile(source, folder / name)
    con = duckdb.connect(str(folder / "cymbal.duckdb"))
    try:
        poisoned = poison(con)
        emails = frozenset(e.lower() for e, in con.execute("SELECT email FROM customers"
                                                           ).fetchall())
        con.execute("CHECKPOINT")
    finally:
        con.close()
    build_review_index(Settings(data_dir=folder, enrichment_model="offline"))
    return PoisonedData(folder, poisoned, emails)


@pytest.fixture()
def poisoned_settings(poisoned_data: PoisonedData, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Offline settings on the poisoned data, with an empty app database and no SMTP."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in BUILT_FILES:
        (data_dir / name).symlink_to(poisoned_data.folder / name)
    with offline_settings(data_dir, monkeypatch) as settings:
        yield settings
