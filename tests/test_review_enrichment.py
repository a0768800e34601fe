"""Review enrichment on a real DuckDB warehouse: the lab's table shapes, incremental runs,
resuming after a crash, force / limit / upgrade, and the `cymbal enrich` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings
from pipeline.enrichment import runner as enrichment_runner
from pipeline.enrichment.runner import EnrichOptions, enrich_reviews
from pipeline.enrichment.store import EnrichmentStore
from tools.warehouse.duckdb_backend import DuckDBWarehouse

ISSUES = {"품질불량", "배송문제", "기대미충족", "단순변심", "결제문제", "응대문제", "기타", "해당없음"}


@pytest.fixture()
def private(built_data_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the shared warehouse (already enriched by setup)."""
    shutil.copy(built_data_dir / "cymbal.duckdb", tmp_path / "cymbal.duckdb")
    return Settings(data_dir=tmp_path, enrichment_model="offline")


def rows(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def add_reviews(settings: Settings, texts: list[str]) -> list[int]:
    """Append reviews (copies of review 1 with new ids and texts); return their ids."""
    con = duckdb.connect(str(settings.duckdb_path))
    try:
        top = con.execute("SELECT MAX(customer_review_id) FROM customer_reviews").fetchone()[0]
        ids = list(range(top + 1, top + 1 + len(texts)))
        for review_id, text in zip(ids, texts, strict=True):
            con.execute("INSERT INTO customer_reviews SELECT ? AS customer_review_id, customer_id, "
                        "location_id, review_datetime, ? AS review_text, social_media_source, "
                        "social_media_handle, product_id, 5 AS rating FROM customer_reviews "
                        "WHERE customer_review_id = 1", [review_id, text])
    finally:
        con.close()
    return ids


def test_setup_built_the_lab_tables(settings: Settings) -> None:
    reviews = rows(settings, "SELECT COUNT(*) FROM customer_reviews")[0][0]
    for table in ("customer_reviews_analysis", "customer_reviews_keywords",
                  "multimodal_customer_reviews"):
        assert rows(settings, f"SELECT COUNT(*) FROM {table}")[0][0] == reviews, table
    sentiments = dict(rows(settings, "SELECT text_sentiment, COUNT(*) FROM "
                                     "customer_reviews_analysis GROUP BY 1"))
    assert set(sentiments) == {"positive", "negative", "neutral"}
    assert all(n >= reviews * 0.1 for n in sentiments.values())
    issues = {r[0] for r in rows(settings, "SELECT DISTINCT issue_category FROM "
                                           "customer_reviews_analysis")}
    assert issues <= ISSUES and len(issues) >= 6
    # improvement points exactly for negative reviews; JSON strings in the lab's shape
    assert rows(settings, "SELECT COUNT(*) FROM customer_reviews_analysis WHERE "
                "(improvement_point IS NOT NULL) <> (text_sentiment = 'negative')")[0][0] == 0
    sample = rows(settings, "SELECT sentiment_json_string, keywords_json_string FROM "
                  "multimodal_customer_reviews LIMIT 20")
    for sentiment_json, keywords_json in sample:
        assert sentiment_json in ('{"sentiment": "positive"}', '{"sentiment": "negative"}',
                                  '{"sentiment": "neutral"}')
        assert isinstance(json.loads(keywords_json)["keywords"], list)


def test_the_labs_sql_runs_through_the_safe_path(settings: Settings) -> None:
    warehouse = DuckDBWarehouse(settings.duckdb_path)
    try:
        result = warehouse.run_query(
            "SELECT JSON_EXTRACT_SCALAR(sentiment_json_string, '$.sentiment') AS sentiment, "
            "COUNT(customer_id) AS n, COUNTIF(rating_text_disagree) AS disagree "
            "FROM `cymbal.multimodal_customer_reviews` GROUP BY sentiment ORDER BY sentiment")
        assert [r[0] for r in result.rows] == ["negative", "neutral", "positive"]
        joined = warehouse.run_query(
            "SELECT c.address_city, COUNTIF(a.text_sentiment = 'negative') AS negatives "
            "FROM cymbal.customer_reviews_analysis a JOIN cymbal.customer_reviews r "
            "USING (customer_review_id) JOIN cymbal.customers c USING (customer_id) "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 3")
        assert len(joined.rows) == 3
    finally:
        warehouse.close()


def test_only_new_reviews_are_analysed(private: Settings) -> None:
    before = dict(rows(private, "SELECT customer_review_id, analyzed_at FROM "
                                "customer_reviews_analysis"))
    new = add_reviews(private, ["The zipper broke after two days. Terrible quality.",
                                "Love it, perfect gift!"])
    summary = enrich_reviews(private, EnrichOptions())
    assert (summary.analysed, summary.pending) == (2, 2)
    after = dict(rows(private, "SELECT customer_review_id, analyzed_at FROM "
                               "customer_reviews_analysis"))
    assert {k: after[k] for k in before} == before  # earlier results untouched
    got = dict(rows(private, "SELECT customer_review_id, text_sentiment FROM "
                    f"multimodal_customer_reviews WHERE customer_review_id IN {tuple(new)}"))
    assert got == {new[0]: "negative", new[1]: "positive"}
    flagged = rows(private, "SELECT rating_text_disagree FROM customer_reviews_analysis "
                            f"WHERE customer_review_id = {new[0]}")[0][0]
    assert flagged is True  # a complaint rated 5 stars
    again = enrich_reviews(private, EnrichOptions())
    assert (again.analysed, again.multimodal_rows) == (0, 0)


def test_a_crash_keeps_finished_batches_and_the_next_run_resumes(
        private: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    total = rows(private, "SELECT COUNT(*) FROM customer_reviews")[0][0]
    con = duckdb.connect(str(private.duckdb_path))
    con.execute("DELETE FROM customer_reviews_analysis")
    con.execute("DELETE FROM customer_reviews_keywords")
    con.close()
    monkeypatch.setattr(enrichment_runner, "OFFLINE_CHECKPOINT", 100)
    real_save = EnrichmentStore.save
    saved: list[int] = []

    def crashing_save(self: EnrichmentStore, reviews, results) -> None:  # noqa: ANN001
        if len(saved) == 3:
            raise KeyboardInterrupt("power cut")
        real_save(self, reviews, results)
        saved.append(len(results))

    monkeypatch.setattr(EnrichmentStore, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        enrich_reviews(private, EnrichOptions())
    assert rows(private, "SELECT COUNT(*) FROM customer_reviews_analysis")[0][0] == 300
    assert rows(private, "SELECT COUNT(*) FROM customer_reviews_keywords")[0][0] == 300

    monkeypatch.setattr(EnrichmentStore, "save", real_save)
    resumed = enrich_reviews(private, EnrichOptions())
    assert (resumed.pending, resumed.analysed) == (total - 300, total - 300)
    assert rows(private, "SELECT COUNT(*), COUNT(DISTINCT customer_review_id) FROM "
                "customer_reviews_analysis")[0] == (total, total)
    assert rows(private, "SELECT COUNT(*) FROM multimodal_customer_reviews WHERE "
                "text_sentiment IS NULL")[0][0] == 0


def test_force_limit_and_upgrade(private: Settings) -> None:
    limited = enrich_reviews(private, EnrichOptions(force=True, limit=25))
    assert limited.analysed == 25
    con = duckdb.connect(str(private.duckdb_path))
    con.execute("UPDATE customer_reviews_analysis SET analyzed_by = 'gemini:old' "
                "WHERE customer_review_id <= 10")
    con.close()
    upgraded = enrich_reviews(private, EnrichOptions(upgrade=True))
    assert upgraded.analysed == 10
    assert rows(private, "SELECT COUNT(*) FROM customer_reviews_analysis WHERE "
                "analyzed_by = 'gemini:old'")[0][0] == 0


def test_results_of_deleted_reviews_are_dropped(private: Settings) -> None:
    con = duckdb.connect(str(private.duckdb_path))
    con.execute("DELETE FROM customer_reviews WHERE customer_review_id <= 5")
    con.close()
    enrich_reviews(private, EnrichOptions())
    assert rows(private, "SELECT COUNT(*) FROM customer_reviews_analysis WHERE "
                "customer_review_id <= 5")[0][0] == 0
    assert rows(private, "SELECT COUNT(*) FROM multimodal_customer_reviews WHERE "
                "customer_review_id <= 5")[0][0] == 0


def test_enrich_command(private: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import reset_caches

    monkeypatch.setenv("CYMBAL_DATA_DIR", str(private.data_dir))
    monkeypatch.setenv("CYMBAL_ENRICHMENT_MODEL", "offline")
    reset_caches()
    try:
        add_reviews(private, ["Delivery took a month. Awful."])
        result = CliRunner().invoke(app, ["enrich", "--no-index"])
        assert result.exit_code == 0, result.output
        assert "1 reviews analysed by offline-lexicon-v1" in result.output
        no_key = CliRunner().invoke(app, ["enrich", "--model", "gemini-2.5-flash", "--no-index"])
        assert no_key.exit_code == 1
        assert "not_configured" in no_key.output
    finally:
        reset_caches()
