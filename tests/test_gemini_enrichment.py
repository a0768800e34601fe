"""Enrichment through the real google-genai client against a local stub of the Gemini REST
API: batching, structured output, bounded concurrency, retries on 429/500, malformed output
(retried, then marked), stopping and resuming, falling back, media analysis, and a process
killed mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import PROJECT_ROOT, Settings
from pipeline.enrichment.runner import EnrichOptions, enrich_reviews
from tests.gemini_stub import Reply, error_reply, text_reply
from tests.review_stub import ReviewModel, prompt_ids, prompt_text, running_stub

MODEL = "gemini-test"
PENDING = 40  # reviews left without analysis in each test's warehouse


@pytest.fixture()
def stub() -> ReviewModel:
    with running_stub() as server:
        yield server


@pytest.fixture()
def warehouse(built_data_dir: Path, tmp_path: Path) -> Path:
    """A private warehouse copy whose first PENDING reviews have no analysis yet."""
    shutil.copy(built_data_dir / "cymbal.duckdb", tmp_path / "cymbal.duckdb")
    con = duckdb.connect(str(tmp_path / "cymbal.duckdb"))
    for table in ("customer_reviews_analysis", "customer_reviews_keywords"):
        con.execute(f"DELETE FROM {table} WHERE customer_review_id <= {PENDING}")
    con.close()
    return tmp_path


def gemini_settings(data_dir: Path, stub: ReviewModel, **changes: object) -> Settings:
    values = {"data_dir": data_dir, "google_api_key": "test-key", "gemini_base_url": stub.base_url,
              "enrichment_model": MODEL, "enrichment_batch_size": 10, "model_concurrency": 2,
              "model_max_retries": 2, "model_timeout_s": 20, **changes}
    return Settings(**values)


def analysed_by(data_dir: Path) -> dict[int, str]:
    con = duckdb.connect(str(data_dir / "cymbal.duckdb"), read_only=True)
    try:
        return dict(con.execute("SELECT customer_review_id, analyzed_by FROM "
                                "customer_reviews_analysis").fetchall())
    finally:
        con.close()


def test_batched_structured_calls_with_bounded_concurrency(warehouse: Path,
                                                           stub: ReviewModel) -> None:
    stub.delay_s = 0.15
    summary = enrich_reviews(gemini_settings(warehouse, stub), EnrichOptions())
    assert (summary.analysed, summary.fallbacks, summary.stopped) == (PENDING, 0, None)
    assert [len(ids) for ids in stub.review_ids()] == [10] * (PENDING // 10)
    assert stub.max_in_flight == 2
    by = analysed_by(warehouse)
    assert all(by[i] == f"gemini:{MODEL}" for i in range(1, PENDING + 1))
    prompt = prompt_text(stub.requests[0])
    assert "품질불량 (quality defect)" in prompt and '"rating"' not in prompt
    config = stub.requests[0]["generationConfig"]
    assert config["responseMimeType"] == "application/json" and "responseSchema" in config


def test_rate_limits_and_server_errors_are_retried(warehouse: Path, stub: ReviewModel) -> None:
    script = iter([error_reply(429), error_reply(500)])
    stub.faults = [lambda body: next(script, None)]
    summary = enrich_reviews(gemini_settings(warehouse, stub, model_concurrency=1),
                             EnrichOptions())
    assert (summary.analysed, summary.fallbacks, summary.stopped) == (PENDING, 0, None)
    assert len(stub.requests) == PENDING // 10 + 2


def test_malformed_output_is_retried_then_marked(warehouse: Path, stub: ReviewModel) -> None:
    stub.faults = [
        lambda body: text_reply('{"reviews": [{"customer_review_id": 7, "sentim') if 7 in prompt_ids(body) else None,
        # an answer for the batch 11-20 that leaves every review out: each is asked alone
        lambda body: text_reply(json.dumps({"reviews": []})) if prompt_ids(body)[:2] == [11, 12] else None,
    ]
    summary = enrich_reviews(gemini_settings(warehouse, stub), EnrichOptions())
    assert summary.analysed == PENDING and summary.fallbacks == 1
    by = analysed_by(warehouse)
    assert by[7] == "offline-lexicon-v1 (gemini output malformed)"
    assert all(by[i] == f"gemini:{MODEL}" for i in range(1, PENDING + 1) if i != 7)
    asked_alone = [ids[0] for ids in stub.review_ids() if len(ids) == 1]
    assert asked_alone.count(7) == 3  # three attempts, then the offline fallback
    assert set(range(11, 21)) <= set(asked_alone)


def test_a_lasting_rate_limit_stops_the_run_and_the_next_run_resumes(
        warehouse: Path, stub: ReviewModel) -> None:
    served: list[int] = []

    def limit_after_two(body: dict) -> Reply | None:
        if prompt_ids(body) and len(served) >= 2:
            return error_reply(429)
        served.append(1)
        return None

    stub.faults = [limit_after_two]
    settings = gemini_settings(warehouse, stub, model_concurrency=1, model_max_retries=1)
    stopped = enrich_reviews(settings, EnrichOptions())
    assert stopped.stopped is not None and stopped.stopped.code == "rate_limited"
    assert stopped.analysed == 20
    done_first = set(analysed_by(warehouse)) & set(range(1, PENDING + 1))
    assert len(done_first) == 20

    stub.faults, stub.requests = [], []
    resumed = enrich_reviews(settings, EnrichOptions())
    assert (resumed.pending, resumed.analysed, resumed.stopped) == (PENDING - 20, PENDING - 20, None)
    asked = {i for ids in stub.review_ids() for i in ids}
    assert asked == set(range(1, PENDING + 1)) - done_first


def test_bad_credentials_fall_back_to_offline_when_asked(warehouse: Path,
                                                         stub: ReviewModel) -> None:
    stub.faults = [lambda body: error_reply(403)]
    summary = enrich_reviews(gemini_settings(warehouse, stub),
                             EnrichOptions(fallback_offline=True))
    assert summary.stopped is not None and summary.stopped.code == "auth"
    assert summary.analysed == PENDING and summary.fallbacks == PENDING
    assert set(analysed_by(warehouse).values()) == {"offline-lexicon-v1"}


def test_enrich_command_reports_a_stop(warehouse: Path, stub: ReviewModel,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import reset_caches

    stub.faults = [lambda body: error_reply(403)]
    for key, value in {"CYMBAL_DATA_DIR": str(warehouse), "GOOGLE_API_KEY": "test-key",
                       "CYMBAL_GEMINI_BASE_URL": stub.base_url, "CYMBAL_MODEL_MAX_RETRIES": "0",
                       "CYMBAL_ENRICHMENT_MODEL": MODEL}.items():
        monkeypatch.setenv(key, value)
    reset_caches()
    try:
        result = CliRunner().invoke(app, ["enrich", "--no-index"])
    finally:
        reset_caches()
    output = " ".join(result.output.split())  # the terminal wraps long lines
    assert result.exit_code == 1
    assert "stopped (auth)" in output and "run `cymbal enrich` again to resume" in output


def _media_folder(root: Path) -> Path:
    folder = root / "review"
    (folder / "images").mkdir(parents=True)
    (folder / "videos").mkdir()
    (folder / "images" / "Review (3).png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (folder / "videos" / "Review Video (4).mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"0" * 64)
    return folder


def test_media_is_analysed_and_joined_the_labs_way(warehouse: Path, stub: ReviewModel) -> None:
    media = _media_folder(warehouse)
    summary = enrich_reviews(gemini_settings(warehouse, stub), EnrichOptions(media_dir=media))
    assert (summary.media_found, summary.media_analysed) == (2, 2)
    con = duckdb.connect(str(warehouse / "cymbal.duckdb"), read_only=True)
    try:
        got = con.execute("SELECT customer_review_id, image_uri, image_analysis_json, video_uri, "
                          "video_analysis_json FROM multimodal_customer_reviews WHERE image_uri "
                          "IS NOT NULL OR video_uri IS NOT NULL ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [row[0] for row in got] == [3, 4]
    assert got[0][1].endswith("Review (3).png")
    assert json.loads(got[0][2])["summary"] == "A image/png of 72 bytes."
    assert got[1][3].endswith("Review Video (4).mp4")
    assert json.loads(got[1][4])["keywords"] == ["video/mp4", "stub"]
    # already analysed media is not sent again
    stub.requests = []
    again = enrich_reviews(gemini_settings(warehouse, stub), EnrichOptions(media_dir=media))
    assert again.media_analysed == 0 and stub.requests == []


def test_offline_runs_record_media_without_analysis(warehouse: Path) -> None:
    media = _media_folder(warehouse)
    settings = Settings(data_dir=warehouse, enrichment_model="offline")
    summary = enrich_reviews(settings, EnrichOptions(media_dir=media))
    assert summary.media_found == 2 and summary.media_analysed == 0
    assert any("need Gemini" in note for note in summary.notes)
    con = duckdb.connect(str(warehouse / "cymbal.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT image_uri, image_analysis_json FROM "
                          "multimodal_customer_reviews WHERE customer_review_id = 3").fetchone()
    finally:
        con.close()
    assert row[0].endswith("Review (3).png") and row[1] is None


def test_a_killed_process_resumes_where_it_stopped(warehouse: Path, stub: ReviewModel) -> None:
    stub.delay_s = 0.4
    env = {**os.environ, "CYMBAL_DATA_DIR": str(warehouse), "GOOGLE_API_KEY": "test-key",
           "CYMBAL_GEMINI_BASE_URL": stub.base_url, "CYMBAL_ENRICHMENT_MODEL": MODEL,
           "CYMBAL_ENRICHMENT_BATCH_SIZE": "10", "CYMBAL_MODEL_CONCURRENCY": "1"}
    command = [sys.executable, "-m", "cli.main", "enrich", "--no-index"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(stub.review_ids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # the third answer is on its way; the process dies mid-request
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    done_first = set(analysed_by(warehouse)) & set(range(1, PENDING + 1))
    assert len(done_first) in (10, 20, 30)  # whole batches only
    stub.requests, stub.delay_s = [], 0.0
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr
    asked = {i for ids in stub.review_ids() for i in ids}
    assert asked == set(range(1, PENDING + 1)) - done_first
    assert set(range(1, PENDING + 1)) <= set(analysed_by(warehouse))
