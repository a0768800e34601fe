"""Segments on the lab's own files, which have no orders: everything falls back to reviews
and says so. Skipped where the lab's files are not present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from pipeline.setup import run_setup
from pipeline.steps import SetupOptions
from tests.conftest import reset_caches
from tools.customers.tools import recommend_products
from tools.segments.tools import describe_segment, list_segments

# ../shared/data/cymbal next to the project (or next to the folder of git worktrees).
_HERE = Path(__file__).resolve()
LAB_DATA = next((p for p in (_HERE.parents[2] / "shared" / "data" / "cymbal",
                             _HERE.parents[3] / "shared" / "data" / "cymbal")
                 if (p / "customer_reviews.csv").is_file()), None)
pytestmark = pytest.mark.skipif(LAB_DATA is None,
                                reason="lab data folder ../shared/data/cymbal absent")


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    data_dir = tmp_path_factory.mktemp("lab-data")
    results = run_setup(Settings(data_dir=data_dir, model="offline"),
                        SetupOptions(lab_data=LAB_DATA))
    yield data_dir, {r.name: r for r in results}


@pytest.fixture()
def lab_settings(lab_dir, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(lab_dir[0]))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    reset_caches()
    yield
    from tools.warehouse import get_warehouse

    get_warehouse().close()
    reset_caches()


def test_setup_summaries_say_what_the_figures_stand_on(lab_dir) -> None:
    _, steps = lab_dir
    assert "on reviews" in steps["rfm"].summary and "silhouette" in steps["rfm"].summary
    assert "no orders" in steps["recommendations"].summary


def test_rfm_falls_back_to_review_activity_and_says_so(lab_settings) -> None:
    clusters = list_segments("rfm")
    assert clusters["basis"] == "reviews"
    assert "no orders" in clusters["basis_note"] and "review" in clusters["basis_note"]
    names = [row[1] for row in clusters["rows"]]
    assert names[0] == "no reviews yet"
    reviewers = sum(row[2] for row in clusters["rows"][1:])
    assert 0 < reviewers <= 200


def test_top_products_and_recommendations_come_from_reviews(lab_settings) -> None:
    segment = describe_segment("older loyal women")
    assert segment["top_products_basis"] == "reviews"
    result = recommend_products(segment="Older_Adult_FEMALE_LOYAL")
    assert result["rows"]  # from review counts, as the lab ranked them
