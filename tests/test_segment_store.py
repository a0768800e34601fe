"""The BigQuery store's calls, checked against a recording fake client (no cloud), and the
typed SELECT both stores materialise from."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import duckdb
import pandas as pd
import sqlglot

from pipeline.segments.store import BigQueryStore, DuckDBStore, spec_for, typed_select


class FakeClient:
    """Records what the store asks BigQuery to do."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []
        self.loads: list[tuple[list[dict[str, Any]], str, Any]] = []
        self.labels: dict[str, str] = {}

    def query(self, sql: str, job_config: Any = None) -> Any:
        self.queries.append((sql, job_config))
        return SimpleNamespace(result=lambda: None)

    def load_table_from_json(self, rows: list[dict[str, Any]], table_id: str,
                             job_config: Any = None) -> Any:
        self.loads.append((rows, table_id, job_config))
        return SimpleNamespace(result=lambda: None)

    def get_table(self, table_id: str) -> Any:
        return SimpleNamespace(num_rows=7, modified=dt.datetime(2025, 1, 2))

    def get_dataset(self, dataset_id: str) -> Any:
        return SimpleNamespace(labels=dict(self.labels))

    def update_dataset(self, dataset: Any, fields: list[str]) -> None:
        assert fields == ["labels"]
        self.labels = dict(dataset.labels)


def test_bigquery_write_loads_typed_json_rows() -> None:
    client = FakeClient()
    store = BigQueryStore(client, "proj", "cymbal")
    frame = pd.DataFrame({"customer_id": [1, 2], "persona_age_group_profile": ["A", None],
                          "address_city": ["Seoul", "Busan"], "negative_reviews": [1, 0],
                          "neutral_reviews": [0, 2],
                          "last_unhappy_review_datetime": [pd.Timestamp("2025-03-04 05:06:07"),
                                                           pd.NaT],
                          "main_issue_category": ["배송문제", None]})
    assert store.write("negative_customers", frame) == 2
    rows, table_id, config = client.loads[0]
    assert table_id == "proj.cymbal.negative_customers"
    assert rows[0]["last_unhappy_review_datetime"] == "2025-03-04T05:06:07.000000"
    assert rows[1]["persona_age_group_profile"] is None and rows[1]["main_issue_category"] is None
    assert [f.name for f in config.schema] == spec_for("negative_customers").column_names
    assert config.schema[0].field_type == "INT64"


def test_bigquery_materialize_and_fingerprints() -> None:
    client = FakeClient()
    store = BigQueryStore(client, "proj", "cymbal")
    assert store.materialize("customer_segments", "SELECT * FROM customers") == 7
    sql, config = client.queries[0]
    assert sql.startswith("CREATE OR REPLACE TABLE `proj.cymbal.customer_segments` AS SELECT "
                          "CAST(`customer_id` AS INT64) AS `customer_id`")
    assert config.default_dataset.dataset_id == "cymbal"
    assert store.get_meta("step:rfm") is None
    store.set_meta("step:rfm", "ABC123")
    assert client.labels == {"cymbal_step_rfm": "abc123"}
    assert store.get_meta("step:rfm") == "abc123"
    assert store.table_version("orders") == "7:2025-01-02T00:00:00"


def test_typed_select_orders_and_casts_columns_on_duckdb() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE customers AS SELECT 1 AS customer_id, 39 AS age, 'Seoul' AS "
                "address_city")
    source = ("SELECT address_city, customer_id, NULL AS persona_age_group_profile, "
              "NULL AS age_group, NULL AS gender, NULL AS loyalty_status, age FROM customers")
    assert sqlglot.parse_one(typed_select(spec_for("customer_segments"), source),
                             read="bigquery") is not None
    assert DuckDBStore(con).materialize("customer_segments", source) == 1
    described = con.execute("DESCRIBE customer_segments").fetchall()
    assert [r[0] for r in described] == spec_for("customer_segments").column_names
    assert dict((r[0], r[1]) for r in described)["age"] == "BIGINT"
