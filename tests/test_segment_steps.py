"""The segment setup steps: a clear error without review sentiment, and retrying personas
when Gemini failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from pipeline.generate import generate_dataset
from pipeline.progress import NullReporter
from pipeline.review_steps import analyse_reviews
from pipeline.segments.steps import (
    MissingInputError,
    build_personas_step,
    build_segments_step,
)
from pipeline.steps import SetupContext, SetupOptions
from pipeline.warehouse_writer import write_base_tables
from tests.gemini_stub import GeminiStub, error_reply


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("tiny")
    write_base_tables(data_dir / "cymbal.duckdb", generate_dataset(scale=0.05, seed=7))
    return data_dir


def _context(settings: Settings) -> SetupContext:
    return SetupContext(settings=settings, options=SetupOptions(), reporter=NullReporter())


def test_missing_review_sentiment_is_a_clear_error(tiny: Path) -> None:
    with pytest.raises(MissingInputError, match="multimodal_customer_reviews.*review "
                                                "enrichment step"):
        build_segments_step(_context(Settings(data_dir=tiny, model="offline")))


def test_personas_are_retried_after_gemini_failed(tiny: Path) -> None:
    offline = Settings(data_dir=tiny, model="offline", enrichment_model="offline")
    assert not analyse_reviews(_context(offline)).skipped
    assert not build_segments_step(_context(offline)).skipped
    assert build_segments_step(_context(offline)).skipped
    with GeminiStub(fallback=lambda body: error_reply(503, "overloaded")) as stub:
        failing = Settings(data_dir=tiny, google_api_key="test-key", model="auto",
                           gemini_base_url=stub.base_url, model_max_retries=0)
        first = build_personas_step(_context(failing))
        again = build_personas_step(_context(failing))
    assert not first.skipped and not again.skipped  # incomplete: tried again
    assert "24 hand-written" in again.summary
    assert not build_personas_step(_context(offline)).skipped  # a different source
    assert build_personas_step(_context(offline)).skipped
