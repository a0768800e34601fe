"""Simulated responses to a sent campaign — a demo and test tool, never part of real data.

``simulate_responses`` writes orders placed in the campaign's attribution window for its
emailed customers and its holdout: each holdout customer converts with ``base_rate``, each
emailed customer with ``base_rate + uplift``, so the true uplift is known and
``campaign_results`` can be checked against it. The draw is reproducible (seeded by
``seed`` and the campaign id). Simulated orders take ids of their own range per campaign
(``SIMULATED_ORDER_BASE``), so a re-run replaces the previous simulation of that campaign and
touches nothing else. They go into the local DuckDB warehouse only: on BigQuery the
simulator refuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from config.settings import Settings, get_settings
from pipeline.warehouse_writer import open_for_update
from tools.campaigns.workflow import campaign_store, resolve_campaign

SIMULATED_ORDER_BASE = 9_000_000_000_000
ORDERS_PER_CAMPAIGN = 10_000_000  # order ids reserved for one campaign's simulation
DEFAULT_BASE_RATE = 0.10


class SimulationError(ValueError):
    """A simulation that cannot run; the message says why."""


@dataclass(frozen=True)
class SimulationReport:
    campaign_id: int
    treated: int
    holdout: int
    treated_converted: int
    holdout_converted: int
    order_lines: int
    window_start: str
    window_end: str
    replaced_lines: int  # lines of an earlier simulation of this campaign, removed


def simulate_conversions(treated: list[int], holdout: list[int], base_rate: float,
                         uplift: float, seed: int, campaign_id: int) -> dict[int, bool]:
    """Who converts: holdout customers with ``base_rate``, emailed ones with
    ``base_rate + uplift`` (reproducible by seed and campaign)."""
    if not 0 <= base_rate <= 1 or not 0 <= base_rate + uplift <= 1:
        raise SimulationError(f"Rates must stay between 0 and 1: base rate {base_rate}, "
                              f"with the uplift {base_rate + uplift}.")
    rng = np.random.default_rng([int(seed), int(campaign_id)])
    ids = sorted(int(i) for i in treated) + sorted(int(i) for i in holdout)
    rates = np.r_[np.full(len(treated), base_rate + uplift), np.full(len(holdout), base_rate)]
    return dict(zip(ids, (rng.random(len(ids)) < rates).tolist(), strict=True))


def _order_lines(converted: list[int], products: pd.DataFrame, start: dt.datetime,
                 days: int, first_id: int, rng: np.random.Generator) -> pd.DataFrame:
    """One order per converting customer, of one or two lines, placed in the window."""
    lines = rng.integers(1, 3, size=len(converted))
    customer = np.repeat(np.array(converted, dtype=np.int64), lines)
    order_id = np.repeat(first_id + np.arange(len(converted), dtype=np.int64), lines)
    placed = np.repeat(rng.random(len(converted)) * days * 86_400, lines)
    pick = rng.integers(0, len(products), size=len(customer))
    return pd.DataFrame({
        "order_id": order_id, "customer_id": customer,
        "product_id": products["product_id"].to_numpy()[pick],
        "order_datetime": [start + dt.timedelta(seconds=float(s)) for s in placed],
        "quantity": rng.integers(1, 3, size=len(customer)),
        "sale_price": products["price"].to_numpy()[pick],
        "status": "Complete"})


def simulate_responses(campaign_id: int, uplift: float, seed: int,
                       base_rate: float = DEFAULT_BASE_RATE,
                       settings: Settings | None = None) -> SimulationReport:
    """Write simulated orders for a sent campaign's emailed customers and holdout."""
    settings = settings or get_settings()
    if settings.backend != "duckdb":
        raise SimulationError("Simulated responses are written to the local DuckDB warehouse "
                              "only; the warehouse is BigQuery (CYMBAL_BACKEND=bigquery), whose "
                              "real orders must not be mixed with made-up ones.")
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    first = store.first_delivery(campaign.id)
    if first is None:
        raise SimulationError(f"Campaign {campaign.id} has not been sent yet; send (or hand "
                              "off) its emails first, then simulate the responses.")
    start = dt.datetime.fromisoformat(first).astimezone(dt.timezone.utc).replace(tzinfo=None)
    days = settings.campaign_attribution_days
    treated, holdout = store.delivered_ids(campaign.id), store.arm_ids(campaign.id, "holdout")
    converts = simulate_conversions(sorted(treated), sorted(holdout), base_rate, uplift, seed,
                                    campaign.id)
    converted = [i for i, yes in converts.items() if yes]
    low = SIMULATED_ORDER_BASE + campaign.id * ORDERS_PER_CAMPAIGN
    rng = np.random.default_rng([int(seed), int(campaign.id), 1])
    with open_for_update(settings.duckdb_path) as con:
        products = con.execute("SELECT CAST(product_id AS BIGINT) AS product_id, price FROM "
                               "products WHERE price > 0 ORDER BY product_id").df()
        if products.empty:
            raise SimulationError("The warehouse has no priced products to order.")
        lines = _order_lines(converted, products, start, days, low, rng)
        replaced = con.execute("DELETE FROM orders WHERE order_id BETWEEN ? AND ? "
                               "RETURNING order_id", [low, low + ORDERS_PER_CAMPAIGN - 1]
                               ).fetchall()
        con.register("_simulated", lines)
        try:
            con.execute("INSERT INTO orders BY NAME SELECT * FROM _simulated")
        finally:
            con.unregister("_simulated")
    return SimulationReport(
        campaign_id=campaign.id, treated=len(treated), holdout=len(holdout),
        treated_converted=sum(converts[i] for i in treated),
        holdout_converted=sum(converts[i] for i in holdout), order_lines=len(lines),
        window_start=start.isoformat(), window_end=(start + dt.timedelta(days=days)).isoformat(),
        replaced_lines=len(replaced))
