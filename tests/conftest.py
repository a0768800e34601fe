"""Shared fixtures: a small generated warehouse built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from tools.warehouse import get_warehouse

SMALL_SCALE = 0.2  # 2,000 customers, ~10k order lines, 600 reviews


def reset_caches() -> None:
    """Forget process-wide singletons so new settings take effect (the warehouse's query
    workers are stopped, not left holding the file)."""
    if get_warehouse.cache_info().currsize:
        get_warehouse().close()
    get_settings.cache_clear()
    get_warehouse.cache_clear()


@contextmanager
def offline_settings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings of the offline model on ``data_dir``, with no model key and no SMTP server."""
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY",
                "GOOGLE_GENAI_USE_VERTEXAI", "CYMBAL_SMTP_HOST"):
        monkeypatch.delenv(key, raising=False)
    reset_caches()
    try:
        yield get_settings()
    finally:
        reset_caches()


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a generated warehouse (and whatever setup builds)."""
    from pipeline.setup import run_setup
    from pipeline.steps import SetupOptions

    data_dir = tmp_path_factory.mktemp("cymbal-data")
    settings = Settings(data_dir=data_dir, enrichment_model="offline")
    run_setup(settings, SetupOptions(scale=SMALL_SCALE))
    return data_dir


@pytest.fixture()
def settings(built_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Process settings pointing at the shared built data folder, offline."""
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(built_data_dir))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY",
                "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(key, raising=False)
    reset_caches()
    yield get_settings()
    get_warehouse().close()
    reset_caches()
