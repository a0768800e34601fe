"""The BigQuery backend, through the real google-cloud-bigquery client and bqemulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from google.cloud import bigquery

from tests.bigquery.conftest import DATASET, PROJECT, MakeWarehouse, tiny_frames
from tools.warehouse.bigquery_backend import LABELS, BigQueryWarehouse, standard_type
from tools.warehouse.errors import SqlError

Spy = Callable[[BigQueryWarehouse], list[bigquery.QueryJob]]


@pytest.fixture
def spy_jobs(monkeypatch: pytest.MonkeyPatch) -> Spy:
    """Record every job a warehouse's client creates, as the server answered it."""

    def attach(warehouse: BigQueryWarehouse) -> list[bigquery.QueryJob]:
        client = warehouse.client()
        jobs: list[bigquery.QueryJob] = []
        real_query = client.query

        def query(sql: str, *args: Any, **kwargs: Any) -> bigquery.QueryJob:
            job = real_query(sql, *args, **kwargs)
            jobs.append(job)
            return job

        monkeypatch.setattr(client, "query", query)
        return jobs

    return attach


def _count(client: bigquery.Client, table: str) -> int:
    rows = client.query(f"SELECT COUNT(*) AS n FROM `{PROJECT}.{DATASET}.{table}`").result()
    return next(iter(rows))["n"]


def test_catalog_lists_tables_with_bigquery_types(warehouse: BigQueryWarehouse) -> None:
    catalog = warehouse.catalog()
    assert catalog.table_names() == ["customer_reviews", "customers", "orders", "products"]
    assert "_build_info" not in catalog.tables  # hidden tables stay hidden
    assert list(catalog.columns("customers")) == list(tiny_frames()["customers"].columns)
    assert catalog.columns("customers")["loyalty_member"] == "BOOL"
    assert catalog.columns("customer_reviews")["review_datetime"] == "DATETIME"
    assert catalog.columns("products") == {
        "id": "STRING", "title": "STRING", "uri": "STRING", "availability": "STRING",
        "categories": "STRING", "product_id": "STRING", "price": "FLOAT64",
        "average_rating": "FLOAT64", "review_count": "INT64"}


def test_grouped_aggregate_has_correct_numbers(warehouse: BigQueryWarehouse) -> None:
    result = warehouse.run_query("""
        SELECT c.address_city, COUNT(DISTINCT o.order_id) AS orders,
               SUM(o.quantity * o.sale_price) AS revenue
        FROM orders AS o JOIN customers AS c ON c.customer_id = o.customer_id
        WHERE o.status IN ('Complete', 'Shipped')
        GROUP BY c.address_city ORDER BY revenue DESC""")
    assert result.columns == ["address_city", "orders", "revenue"]
    assert result.rows == [["Seoul", 3, 131500.0]]
    assert result.column_types == ["STRING", "INT64", "FLOAT64"]
    assert not result.truncated
    assert result.backend == "bigquery"
    assert f"`{PROJECT}`.{DATASET}.orders" in result.executed_sql
    assert result.bytes_processed == 0  # the emulator estimates no bytes


def test_ctes_and_table_named_columns_keep_working(warehouse: BigQueryWarehouse) -> None:
    result = warehouse.run_query("""
        WITH seoul AS (SELECT * FROM customers WHERE customers.address_city = 'Seoul')
        SELECT seoul.gender, COUNT(*) AS n FROM seoul GROUP BY seoul.gender""")
    assert result.rows == [["Female", 3]]
    assert "FROM seoul" in result.executed_sql


def test_values_are_json_safe(warehouse: BigQueryWarehouse) -> None:
    result = warehouse.run_query("SELECT customer_id, loyalty_member, age FROM customers "
                                 "WHERE customer_id IN (1001, 1006) ORDER BY customer_id")
    assert result.rows == [[1001, True, 24], [1006, None, 66]]
    result = warehouse.run_query("SELECT MAX(review_datetime) AS latest FROM customer_reviews")
    assert result.rows == [["2024-06-01T00:00:00"]]
    assert result.column_types == ["DATETIME"]


def test_row_cap_sets_truncated(make_warehouse: MakeWarehouse) -> None:
    warehouse = make_warehouse(max_rows=4)
    result = warehouse.run_query("SELECT customer_id FROM customers ORDER BY customer_id")
    assert result.rows == [[1001], [1002], [1003], [1004]]
    assert result.truncated
    exact = warehouse.run_query("SELECT customer_id FROM customers ORDER BY customer_id",
                                max_rows=6)
    assert len(exact.rows) == 4 and exact.truncated  # a caller cannot exceed max_rows
    small = warehouse.run_query("SELECT customer_id FROM customers WHERE age > 50")
    assert len(small.rows) == 2 and not small.truncated


def test_dry_run_refuses_a_delete(warehouse: BigQueryWarehouse, bq_client: bigquery.Client,
                                  spy_jobs: Spy) -> None:
    jobs = spy_jobs(warehouse)
    with pytest.raises(SqlError) as info:
        warehouse.dry_run(f"DELETE FROM `{PROJECT}.{DATASET}.orders` WHERE TRUE")
    assert info.value.code == "not_a_query"
    assert "DELETE" in info.value.message
    assert [job.dry_run for job in jobs] == [True]
    assert _count(bq_client, "orders") == 7


def test_non_select_past_the_guard_never_executes(warehouse: BigQueryWarehouse,
                                                  bq_client: bigquery.Client, spy_jobs: Spy,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if a DML statement slipped past the guard, the dry run stops it."""
    jobs = spy_jobs(warehouse)
    delete = f"DELETE FROM `{PROJECT}.{DATASET}.orders` WHERE TRUE"
    monkeypatch.setattr(warehouse, "qualified_sql", lambda tree: delete)
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT order_id FROM orders")
    assert info.value.code == "not_a_query"
    assert [job.dry_run for job in jobs] == [True]
    assert _count(bq_client, "orders") == 7


def test_guard_refuses_dml_before_any_job(warehouse: BigQueryWarehouse, spy_jobs: Spy) -> None:
    jobs = spy_jobs(warehouse)
    with pytest.raises(SqlError) as info:
        warehouse.run_query("DELETE FROM orders WHERE TRUE")
    assert info.value.code == "not_a_query"
    assert jobs == []


def test_job_carries_byte_cap_labels_and_timeout(make_warehouse: MakeWarehouse,
                                                 spy_jobs: Spy) -> None:
    warehouse = make_warehouse(max_bytes_billed=123_456_789, labels={"team": "marketing"})
    jobs = spy_jobs(warehouse)
    warehouse.run_query("SELECT COUNT(*) AS n FROM orders")
    dry, run = jobs
    assert dry.dry_run and not run.dry_run
    expected_labels = {**LABELS, "team": "marketing"}
    assert LABELS["app"] == "cymbal-agent"
    # The jobs hold the server's answer to jobs.insert, which echoes what it received.
    assert run.labels == expected_labels
    assert run.maximum_bytes_billed == 123_456_789
    assert run.use_legacy_sql is False
    assert run.to_api_repr()["configuration"]["jobTimeoutMs"] == "20000"
    assert dry.labels == expected_labels


def test_bytes_limit_refuses_before_running(make_warehouse: MakeWarehouse,
                                            spy_jobs: Spy,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator estimates 0 bytes, so the dry run's estimate is raised to 5 GB here."""
    warehouse = make_warehouse(max_bytes_billed=10 * 1024**2)
    jobs = spy_jobs(warehouse)
    monkeypatch.setattr(bigquery.QueryJob, "total_bytes_processed",
                        property(lambda job: 5 * 1024**3 if job.dry_run else 0))
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT * FROM customer_reviews")
    assert info.value.code == "bytes_limit"
    assert "5.00 GB" in info.value.message and "10.00 MB" in info.value.message
    assert [job.dry_run for job in jobs] == [True]


def test_guard_names_unknown_tables_and_columns(warehouse: BigQueryWarehouse,
                                                spy_jobs: Spy) -> None:
    jobs = spy_jobs(warehouse)
    with pytest.raises(SqlError) as table:
        warehouse.run_query("SELECT * FROM custmers")
    assert table.value.code == "unknown_table"
    assert "customers" in table.value.suggestions
    with pytest.raises(SqlError) as column:
        warehouse.run_query("SELECT addres_city FROM customers")
    assert column.value.code == "unknown_column"
    assert column.value.identifier == "addres_city"
    assert "customers.address_city" in column.value.suggestions
    assert jobs == []


def test_query_the_engine_rejects_is_an_execution_error(warehouse: BigQueryWarehouse) -> None:
    with pytest.raises(SqlError) as info:
        warehouse.run_query("SELECT CAST(first_name AS INT64) AS n FROM customers")
    assert info.value.code == "execution_error"
    assert "Job ID" not in info.value.message


def test_describe_and_freshness(warehouse: BigQueryWarehouse) -> None:
    assert warehouse.describe() == f"BigQuery {PROJECT}.{DATASET}"
    fresh = warehouse.freshness()
    assert fresh is not None
    assert abs(dt.datetime.now(dt.UTC) - fresh) < dt.timedelta(hours=1)


def test_standard_type_names() -> None:
    assert standard_type(bigquery.SchemaField("a", "INTEGER")) == "INT64"
    assert standard_type(bigquery.SchemaField("a", "BOOLEAN")) == "BOOL"
    assert standard_type(bigquery.SchemaField("a", "FLOAT", mode="REPEATED")) == "ARRAY<FLOAT64>"
