"""The deterministic synthetic ``cymbal`` dataset: customers, products, reviews and orders.

``generate_dataset(scale=1.0)`` gives 10,000 customers, a fixed catalog of about 1,300 SKUs,
about 50,000 order lines and 3,000 reviews in well under a second; ``scale=100`` with one
review per customer gives 1M customers, about 5M order lines and 1M reviews in under half a
minute and about 2 GB of memory. The same arguments always give identical frames. Allowed values and column types come from
``knowledge/schema/``; the building blocks live in ``pipeline/synth/``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.synth.catalog import build_catalog
from pipeline.synth.customers import generate_customers
from pipeline.synth.orders import generate_orders
from pipeline.synth.preferences import build_purchase_model
from pipeline.synth.reviews import generate_reviews
from tools.warehouse.schema import conform, load_schema

Progress = Callable[[str, int, int], None]
CUSTOMERS_PER_SCALE = 10_000


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None]:
    """``progress`` bound to one stage (a no-op without a callback)."""
    def report(done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)
    return report


def generate_dataset(scale: float = 1.0, seed: int = 42, reviews_per_customer: float = 0.3,
                     progress: Progress | None = None) -> dict[str, pd.DataFrame]:
    """Build the dataset: frames keyed customers, products, customer_reviews, orders.

    ``scale`` multiplies the number of customers (10,000 at 1.0) and so the orders; the catalog
    does not grow. ``reviews_per_customer`` sets ``round(customers * reviews_per_customer)``
    reviews. ``progress(stage, done, total)`` is called as each stage advances.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if seed < 0:
        raise ValueError(f"seed must not be negative, got {seed}")
    if reviews_per_customer < 0:
        raise ValueError(f"reviews_per_customer must not be negative, got {reviews_per_customer}")
    schema = load_schema()
    cities = schema["customers"].column("address_city").values
    categories = tuple(value.strip("[]") for value in schema["products"].column("categories").values)
    n_customers = max(1, round(CUSTOMERS_PER_SCALE * scale))
    n_reviews = round(n_customers * reviews_per_customer)

    catalog = build_catalog(seed, categories)
    _stage(progress, "products")(catalog.n_listed, catalog.n_listed)
    _stage(progress, "customers")(0, n_customers)
    customers = generate_customers(n_customers, seed, cities)
    _stage(progress, "customers")(n_customers, n_customers)
    model = build_purchase_model(catalog, cities, seed)
    orders = generate_orders(customers, catalog, model, seed, _stage(progress, "orders"))
    reviews = generate_reviews(customers, catalog, model, orders, n_reviews, seed,
                               _stage(progress, "customer_reviews"))
    frames = {"customers": customers.frame, "products": catalog.frame,
              "customer_reviews": reviews, "orders": orders.frame}
    return {name: conform(frame, schema[name]) for name, frame in frames.items()}
