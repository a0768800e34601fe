"""Synthetic order lines shaped like thelook_ecommerce ``order_items``.

Customers are processed in fixed-size chunks, each with its own random stream, so memory stays
bounded and the result does not depend on anything but the inputs. Order ids follow time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.synth.behaviour import BIG_SPENDER, buying_windows, order_counts
from pipeline.synth.catalog import Catalog
from pipeline.synth.customers import Customers
from pipeline.synth.preferences import PurchaseModel
from pipeline.synth.randomness import categorical, generator
from pipeline.synth.timeline import (
    DAYS_IN_YEAR,
    as_datetimes,
    sample_days,
    sample_times,
)

STATUSES = ("Complete", "Shipped", "Processing", "Cancelled", "Returned")
COMPLETE, SHIPPED, PROCESSING, CANCELLED, RETURNED = range(len(STATUSES))
CHUNK_CUSTOMERS = 100_000
_EXTRA_LINES = {False: 0.6, True: 0.9}          # mean extra lines per order, by big spender
_QUANTITY_SHARES = {False: (0.84, 0.12, 0.04), True: (0.62, 0.25, 0.13)}
_DISCOUNTS = np.array([0.10, 0.15, 0.20, 0.30])
_DISCOUNT_SHARES = np.array([0.4, 0.3, 0.2, 0.1])
# Days of the year with big sales: around 11.11, Black Friday and Christmas.
_SALE_DAYS = np.r_[309:316, 326:333, 352:360]
_RETURN_RATE = {False: 0.04, True: 0.07}       # by apparel


@dataclass(frozen=True)
class Orders:
    """The orders table plus per-line facts the reviews build on (same row order)."""

    frame: pd.DataFrame
    customer: np.ndarray   # index into the customers
    product: np.ndarray    # index into the catalog
    seconds: np.ndarray    # order time, seconds since 2025-01-01
    status: np.ndarray     # index into STATUSES


def _order_statuses(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Order-level status: recent orders are still on their way, a few are cancelled."""
    age = DAYS_IN_YEAR - 1 - days
    u = rng.random(len(days))
    status = np.where(u < 0.05, CANCELLED, COMPLETE)
    in_transit = age <= 8
    status = np.where(in_transit & (u >= 0.05), np.where(u < 0.6, SHIPPED, COMPLETE), status)
    return np.where((age <= 2) & (u >= 0.05), np.where(u < 0.7, PROCESSING, SHIPPED), status)


def _chunk(rng: np.random.Generator, customers: Customers, rows: slice, catalog: Catalog,
           model: PurchaseModel) -> tuple[dict[str, np.ndarray], int]:
    """The order lines of customers ``rows``, and how many orders they make up."""
    habit = customers.habit[rows]
    spender = BIG_SPENDER[habit]
    n_orders = order_counts(rng, habit)
    first, end = buying_windows(rng, habit)
    buyer = np.repeat(np.arange(rows.start, rows.stop), n_orders)
    local = buyer - rows.start
    days = sample_days(rng, first[local], end[local])
    seconds = sample_times(rng, days)
    order_status = _order_statuses(rng, days)

    lines = 1 + rng.poisson(np.where(spender[local], _EXTRA_LINES[True], _EXTRA_LINES[False]))
    order = np.repeat(np.arange(len(buyer)), lines)
    line_buyer, line_spender = buyer[order], spender[local][order]
    combo = model.combo(customers.segment[line_buyer], customers.city[line_buyer], line_spender)
    product = model.sample(rng, combo)

    shares = np.where(line_spender[:, None], _QUANTITY_SHARES[True], _QUANTITY_SHARES[False])
    quantity = 1 + categorical(rng, np.cumsum(shares, axis=1))
    line_day = days[order]
    on_sale = np.isin(line_day, _SALE_DAYS)
    discounted = rng.random(len(order)) < np.where(on_sale, 0.5, 0.12)
    rate = rng.choice(_DISCOUNTS, size=len(order), p=_DISCOUNT_SHARES)
    price = catalog.price[product]
    sale_price = np.where(discounted, np.round(price * (1 - rate) / 100) * 100, price)

    status = order_status[order]
    apparel = catalog.category[product] == catalog.categories.index("Apparel")
    returned = (status == COMPLETE) & (rng.random(len(order)) < np.where(apparel, _RETURN_RATE[True],
                                                                           _RETURN_RATE[False]))
    status = np.where(returned, RETURNED, status)
    return {"order": order, "customer": line_buyer, "product": product, "seconds": seconds[order],
            "quantity": quantity, "sale_price": sale_price, "status": status}, len(buyer)


def generate_orders(customers: Customers, catalog: Catalog, model: PurchaseModel, seed: int,
                    progress: Callable[[int, int], None] | None = None) -> Orders:
    """Order lines for every customer; ``progress(customers_done, customers_total)``."""
    n = len(customers.ids)
    parts: list[dict[str, np.ndarray]] = []
    orders_before = 0
    if progress:
        progress(0, n)
    for chunk, start in enumerate(range(0, n, CHUNK_CUSTOMERS)):
        rows = slice(start, min(start + CHUNK_CUSTOMERS, n))
        part, n_orders = _chunk(generator(seed, "orders", chunk), customers, rows, catalog, model)
        part["order"] = part["order"] + orders_before
        orders_before += n_orders
        parts.append(part)
        if progress:
            progress(rows.stop, n)
    line = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}

    # Order ids follow time: rank orders by their timestamp (ties by generation order).
    order_seconds = np.zeros(orders_before, dtype=np.int64)
    order_seconds[line["order"]] = line["seconds"]
    order_id = np.empty(orders_before, dtype=np.int64)
    order_id[np.argsort(order_seconds, kind="stable")] = np.arange(1, orders_before + 1)
    line_order_id = order_id[line["order"]]
    sort = np.argsort(line_order_id, kind="stable")
    line = {key: values[sort] for key, values in line.items()}
    frame = pd.DataFrame({
        "order_id": line_order_id[sort],
        "customer_id": customers.ids[line["customer"]],
        "product_id": catalog.product_id[line["product"]],
        "order_datetime": as_datetimes(line["seconds"]),
        "quantity": line["quantity"].astype(np.int64),
        "sale_price": line["sale_price"].astype(np.float64),
        "status": np.array(STATUSES, dtype=object)[line["status"]],
    })
    return Orders(frame=frame, customer=line["customer"], product=line["product"],
                  seconds=line["seconds"], status=line["status"])
