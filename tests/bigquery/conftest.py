"""Fixtures for the BigQuery backend: a bqemulator process and a small loaded dataset.

Without the emulator's virtualenv these tests skip, except under CI (``CI`` set), where
a missing emulator is a failure: install it with ``bash scripts/install_bqemulator.sh``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from google.cloud import bigquery

from pipeline.bigquery_loader import load_tables
from tests.bq_emulator import (
    INSTALL_HINT,
    BigQueryEmulator,
    emulator_executable,
    emulator_uploads,
    emulator_venv,
)
from tools.warehouse.bigquery_backend import BigQueryWarehouse

PROJECT = "cymbal-test"
DATASET = "cymbal"
LOCATION = "asia-northeast3"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def tiny_frames() -> dict[str, pd.DataFrame]:
    """A few rows of each base table, shaped like knowledge/schema/."""
    customers = pd.DataFrame({
        "customer_id": [1001, 1002, 1003, 1004, 1005, 1006],
        "first_name": ["Minji", "Junho", "Seoyeon", "Hyun", "Jiwoo", "Taeyang"],
        "last_name": ["Kim", "Lee", "Park", "Choi", "Jung", "Kang"],
        "email": [f"user{i}@example.com" for i in range(1, 7)],
        "gender": ["Female", "Male", "Female", "Other", "Female", "Male"],
        "address_city": ["Seoul", "Busan", "Seoul", "Daegu", "Seoul", "Busan"],
        "age": [24, 35, 41, 58, 19, 66],
        "loyalty_member": [True, False, True, False, True, None],
    })
    products = pd.DataFrame({
        "id": ["GGOEGBJA127699", "GGOEGDHC074099", "GGOEGOAB021099"],
        "title": ["Google Backpack", "Google Mug", "Google Notebook"],
        "uri": ["https://shop.example/p/1", "https://shop.example/p/2",
                "https://shop.example/p/3"],
        "availability": ["IN_STOCK", "OUT_OF_STOCK", "IN_STOCK"],
        "categories": ["[Bags]", "[Drinkware]", "[Office]"],
        "product_id": ["501", "502", "503"],
        "price": [45000.0, 12000.0, 8000.0],
        "average_rating": [4.5, 3.8, None],
        "review_count": [120, 45, 0],
    })
    reviews = pd.DataFrame({
        "customer_review_id": [1, 2, 3, 4, 5],
        "customer_id": [1001, 1002, 1003, 1001, 1006],
        "location_id": [5001, 5002, 5001, 5003, 5010],
        "review_datetime": ["2024-03-01 10:15:00", "2024-03-02 18:00:30", "2024-04-11 09:00:00",
                            "2024-05-20 23:59:59", "2024-06-01 00:00:00"],
        "review_text": ["Great backpack, sturdy.", "The mug arrived chipped.",
                        "품질이 좋아요 — love it", "Strap broke after a week.", "Okay."],
        "social_media_source": ["Instagram", "Naver Cafe", "X", "Blog", "YouTube"],
        "social_media_handle": ["@a", "@b", "@c", "@d", "@e"],
        "product_id": [501, 502, 503, 501, 999],
        "rating": [5, 1, 4, 2, 3],
    })
    orders = pd.DataFrame({
        "order_id": [9001, 9001, 9002, 9003, 9004, 9005, 9006],
        "customer_id": [1001, 1001, 1002, 1003, 1005, 1006, 1001],
        "product_id": [501, 502, 502, 503, 501, 503, 503],
        "order_datetime": ["2024-01-05 12:00:00", "2024-01-05 12:00:00", "2024-02-10 08:30:00",
                           "2024-02-11 19:45:00", "2024-03-03 14:00:00", "2024-03-04 10:00:00",
                           "2024-04-01 16:20:00"],
        "quantity": [1, 2, 1, 3, 1, 2, 1],
        "sale_price": [45000.0, 11000.0, 12000.0, 8000.0, 40500.0, 8000.0, 7200.0],
        "status": ["Complete", "Complete", "Returned", "Shipped", "Complete", "Cancelled",
                   "Processing"],
    })
    return {"customers": customers, "products": products, "customer_reviews": reviews,
            "orders": orders}


@pytest.fixture(scope="session")
def bq_emulator() -> Iterator[BigQueryEmulator]:
    """A running emulator for the whole session."""
    executable = emulator_executable()
    if executable is None:
        reason = (f"bqemulator is not installed at {emulator_venv()} "
                  f"(set CYMBAL_BQEMU_VENV or run: {INSTALL_HINT})")
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    with BigQueryEmulator(executable, project=PROJECT) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def bq_client(bq_emulator: BigQueryEmulator) -> Iterator[bigquery.Client]:
    client = bq_emulator.client()
    yield client
    client.close()


@pytest.fixture(scope="session")
def loaded_counts(bq_client: bigquery.Client) -> dict[str, int]:
    """The tiny base tables loaded into ``cymbal-test.cymbal``, plus a hidden table."""
    with emulator_uploads():
        counts = load_tables(bq_client, PROJECT, DATASET, tiny_frames(), LOCATION)
    hidden = bigquery.Table(f"{PROJECT}.{DATASET}._build_info",
                            schema=[bigquery.SchemaField("key", "STRING")])
    bq_client.create_table(hidden, exists_ok=True)
    return counts


MakeWarehouse = Callable[..., BigQueryWarehouse]


@pytest.fixture
def make_warehouse(bq_emulator: BigQueryEmulator,
                   loaded_counts: dict[str, int]) -> Iterator[MakeWarehouse]:
    """A factory of warehouses on the loaded dataset; each is closed after the test."""
    made: list[BigQueryWarehouse] = []

    def make(**options: object) -> BigQueryWarehouse:
        settings = {"project": PROJECT, "dataset": DATASET, "location": LOCATION,
                    "api_endpoint": bq_emulator.endpoint, "timeout_s": 20.0, **options}
        warehouse = BigQueryWarehouse(**settings)  # type: ignore[arg-type]
        made.append(warehouse)
        return warehouse

    yield make
    for warehouse in made:
        warehouse.close()


@pytest.fixture
def warehouse(make_warehouse: MakeWarehouse) -> BigQueryWarehouse:
    return make_warehouse()
