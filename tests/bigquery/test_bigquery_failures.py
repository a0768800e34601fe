"""How the BigQuery backend fails: every failure is a SqlError that says what to do."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import Any

import pytest
from google.cloud import bigquery

from tests.bigquery.conftest import PROJECT, MakeWarehouse
from tests.bq_emulator import free_port
from tools.warehouse.bigquery_backend import BigQueryWarehouse
from tools.warehouse.errors import SqlError

# About a second of DuckDB work on this machine: long enough to outlast a short timeout.
SLOW_QUERY = ("SELECT COUNT(DISTINCT CONCAT(CAST(a AS STRING), '-', CAST(b AS STRING))) AS n "
              "FROM UNNEST(GENERATE_ARRAY(1, 2000)) AS a "
              "CROSS JOIN UNNEST(GENERATE_ARRAY(1, 2000)) AS b")


def test_emulator_down_is_a_clear_error() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    warehouse = BigQueryWarehouse(project=PROJECT, api_endpoint=endpoint, timeout_s=1.5)
    started = time.monotonic()
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT 1 AS one")
    assert info.value.code == "warehouse_unavailable"
    assert endpoint in info.value.message
    assert "CYMBAL_BQ_API_ENDPOINT" in (info.value.hint or "")
    assert time.monotonic() - started < 10


def test_missing_dataset_says_so(make_warehouse: MakeWarehouse) -> None:
    warehouse = make_warehouse(dataset="no_such_dataset")
    assert warehouse.freshness() is None
    with pytest.raises(SqlError) as info:
        warehouse.catalog()
    assert info.value.code == "warehouse_missing"
    assert f"{PROJECT}.no_such_dataset" in info.value.message
    assert "CYMBAL_DATASET" in (info.value.hint or "")


def test_missing_credentials_say_how_to_set_them(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """No emulator endpoint: the client looks for Application Default Credentials."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # never probe a metadata server
    warehouse = BigQueryWarehouse(project="my-project", api_endpoint=None)
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT 1 AS one")
    assert info.value.code == "auth_error"
    assert "missing-key.json" in info.value.message
    assert "gcloud auth application-default login" in (info.value.hint or "")
    assert "GOOGLE_APPLICATION_CREDENTIALS" in (info.value.hint or "")


def test_slow_query_times_out(make_warehouse: MakeWarehouse) -> None:
    """bqemulator runs a job inside jobs.insert, so the client's request timeout fires."""
    warehouse = make_warehouse(timeout_s=0.2)
    warehouse.catalog()  # loaded with the short timeout too; it is quick
    started = time.monotonic()
    with pytest.raises(SqlError) as info:
        warehouse.run_query(SLOW_QUERY)
    assert info.value.code == "timeout"
    assert "0.2s" in info.value.message
    assert time.monotonic() - started < 5


def test_result_timeout_cancels_the_job(warehouse: BigQueryWarehouse,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """On BigQuery a job keeps running after the client stops waiting: it is cancelled."""
    cancelled: list[str] = []
    client = warehouse.client()
    real_query = client.query

    def query(sql: str, *args: Any, **kwargs: Any) -> bigquery.QueryJob:
        job = real_query(sql, *args, **kwargs)
        if not job.dry_run:
            def too_slow(*_: object, **__: object) -> None:
                raise concurrent.futures.TimeoutError()

            monkeypatch.setattr(job, "result", too_slow)
            monkeypatch.setattr(job, "cancel", lambda **_: cancelled.append(job.job_id))
        return job

    monkeypatch.setattr(client, "query", query)
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT COUNT(*) AS n FROM orders")
    assert info.value.code == "timeout"
    assert len(cancelled) == 1
