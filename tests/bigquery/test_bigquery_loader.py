"""The BigQuery loader and backend round-trip the four base tables."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from google.cloud import bigquery

from pipeline.bigquery_loader import json_rows, load_tables
from tests.bigquery.conftest import LOCATION, PROJECT, tiny_frames
from tests.bq_emulator import (
    BigQueryEmulator,
    emulator_client,
    emulator_uploads,
    free_port,
)
from tools.warehouse.bigquery_backend import BigQueryWarehouse
from tools.warehouse.schema import load_schema

DATASET = "cymbal_roundtrip"


@pytest.fixture
def roundtrip(bq_emulator: BigQueryEmulator,
              bq_client: bigquery.Client) -> Iterator[BigQueryWarehouse]:
    """An empty dataset name and a warehouse over it; the dataset is dropped afterwards."""
    warehouse = BigQueryWarehouse(project=PROJECT, dataset=DATASET, location=LOCATION,
                                  api_endpoint=bq_emulator.endpoint, timeout_s=20.0)
    yield warehouse
    warehouse.close()
    bq_client.delete_dataset(f"{PROJECT}.{DATASET}", delete_contents=True, not_found_ok=True)


def test_loader_and_backend_round_trip(roundtrip: BigQueryWarehouse,
                                       bq_client: bigquery.Client) -> None:
    frames = tiny_frames()
    with emulator_uploads():
        counts = load_tables(bq_client, PROJECT, DATASET, frames, LOCATION)
    assert counts == {"customers": 6, "products": 3, "customer_reviews": 5, "orders": 7}
    assert bq_client.get_dataset(f"{PROJECT}.{DATASET}").location == LOCATION

    schema = load_schema()
    catalog = roundtrip.catalog()
    for name, frame in frames.items():
        # the tiny frames have the lab's shape: no optional columns (marketing_consent)
        assert catalog.columns(name) == {c.name: c.type for c in schema[name].columns
                                         if not c.optional}
        result = roundtrip.run_query(f"SELECT COUNT(*) AS n FROM {name}")
        assert result.rows == [[len(frame)]]

    reviews = roundtrip.run_query("SELECT * FROM customer_reviews ORDER BY customer_review_id")
    assert reviews.column_types == [c.type for c in schema["customer_reviews"].columns]
    assert reviews.rows[2][3:5] == ["2024-04-11T09:00:00", "품질이 좋아요 — love it"]
    products = roundtrip.run_query("SELECT product_id, price, average_rating FROM products "
                                   "ORDER BY product_id")
    assert products.rows == [["501", 45000.0, 4.5], ["502", 12000.0, 3.8], ["503", 8000.0, None]]

    table = bq_client.get_table(f"{PROJECT}.{DATASET}.customers")
    assert table.description == schema["customers"].description
    assert table.schema[0].description == schema["customers"].column("customer_id").description


def test_reload_replaces_rows_and_stale_schemas(roundtrip: BigQueryWarehouse,
                                                bq_client: bigquery.Client) -> None:
    frames = tiny_frames()
    stale = bigquery.Table(f"{PROJECT}.{DATASET}.orders",
                           schema=[bigquery.SchemaField("order_id", "STRING")])
    bq_client.create_dataset(f"{PROJECT}.{DATASET}", exists_ok=True)
    bq_client.create_table(stale)
    with emulator_uploads():
        load_tables(bq_client, PROJECT, DATASET, {"orders": frames["orders"]}, LOCATION)
        counts = load_tables(bq_client, PROJECT, DATASET, {"orders": frames["orders"].head(2)},
                             LOCATION)
    assert counts == {"orders": 2}
    assert roundtrip.catalog().columns("orders")["order_id"] == "INT64"
    result = roundtrip.run_query("SELECT SUM(quantity) AS units FROM orders")
    assert result.rows == [[3]]


def test_undocumented_tables_are_refused() -> None:
    """Refused before any request: the client points at a closed port."""
    client = emulator_client(f"http://127.0.0.1:{free_port()}", PROJECT)
    with pytest.raises(ValueError, match=r"Undocumented tables \[.coupons.\]"):
        load_tables(client, PROJECT, DATASET, {"coupons": pd.DataFrame({"x": [1]})}, LOCATION)


def test_json_rows_turn_missing_values_into_null() -> None:
    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"),
                          "flag": pd.array([True, None], dtype="boolean"),
                          "at": pd.to_datetime(["2024-01-02 03:04:05", None]),
                          "price": [1.5, float("nan")]})
    assert json_rows(frame) == [
        {"n": 1, "flag": True, "at": "2024-01-02T03:04:05", "price": 1.5},
        {"n": None, "flag": None, "at": None, "price": None}]
