"""The campaign loop's warehouse reads on BigQuery (the local emulator, the real client):
campaign results' orders in the attribution window, audiences from what customers bought, and
the contact policy on data without a consent column (the lab's shape, as loaded here)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config.settings import Settings
from tools.campaigns.audience import parse_audience, resolve_audience
from tools.campaigns.eligibility import check_eligibility
from tools.campaigns.outcome import window_orders
from tools.campaigns.store import CampaignStore
from tools.warehouse.bigquery_backend import BigQueryWarehouse


@pytest.fixture
def on_bigquery(warehouse: BigQueryWarehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tools.warehouse.reads.get_warehouse", lambda: warehouse)


def test_results_read_the_window_s_orders_on_bigquery(on_bigquery: None) -> None:
    found = window_orders([1001, 1002, 1003, 1005, 1006], dt.datetime(2024, 1, 1),
                          dt.datetime(2024, 3, 4))
    # 1002 returned and 1006 cancelled: no conversion; 1001's April line is after the window
    assert sorted(found) == [1001, 1003, 1005]
    assert (found[1001].orders, found[1001].revenue) == (1, 45000.0 + 2 * 11000.0)
    assert found[1001].first_order == dt.datetime(2024, 1, 5, 12, 0)
    assert (found[1003].revenue, found[1005].revenue) == (24000.0, 40500.0)


def test_consent_cannot_be_checked_without_the_column(on_bigquery: None, tmp_path: Path) -> None:
    store = CampaignStore(tmp_path / "app.db")
    store.add_suppressions([("customer_id", "1002")], "unsubscribe", "test")
    verdict = check_eligibility([1001, 1002, 1003], store, Settings(data_dir=tmp_path))
    assert not verdict.consent_checked and verdict.eligible == [1001, 1003]
    assert verdict.counts() == {"suppressed": 1}
    assert any("could not be checked" in note for note in verdict.notes)


@pytest.mark.parametrize("description, expected", [
    ("customers who bought Drinkware", [1001]),  # 502 is Drinkware; 1002's mug was returned
    ("customers who spent over 30,000 won", [1001, 1005]),  # Complete and Shipped lines only
    ("customers with no order in 30 days", [1001, 1003]),  # 1005 bought on 2024-03-03
    ("one-time buyers", [1001, 1003, 1005]),  # 1001's second order is still processing
])
def test_audiences_from_purchases_resolve_on_bigquery(on_bigquery: None, description: str,
                                                      expected: list[int]) -> None:
    """An audience's order conditions (purchases, spend, recency, frequency) run as BigQuery
    SQL on the emulator and pick the same customers the rules say."""
    assert resolve_audience(parse_audience(description), 100) == expected
