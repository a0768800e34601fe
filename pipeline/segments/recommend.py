"""Three product recommendations per customer, by two methods, and how to compare them.

* ``lab_rule`` — the lab's rule: the segment's top 1 and top 2 and the city's top 1, skipping
  what the customer already bought or reviewed; gaps are filled with the next best of the
  segment's list, then of the city's.
* ``segment_city_blend`` — the stronger method: the products this segment *and* this city
  over-buy relative to everyone (``Popularity.blended_scores``), skipping the same products.

``evaluate`` holds out each repeat customer's last order, lets both methods recommend from
the earlier data only, and reports the hit rate: the share of customers who bought at least
one of the three recommended products in the held-out order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.segments.store import Store
from pipeline.segments.top_products import (
    HELD_OUT_ORDERS_CTE,
    Popularity,
    purchase_counts,
    rank_products,
)
from tools.segments.recommend_rules import (
    BLEND,
    LAB_RULE,
    METHODS,
    PICKS,
    first_new,
    lab_rule,
)


@dataclass
class Rankings:
    """Ranked product lists per segment and per city, and the (segment, city) blend."""

    segment: dict[str, list[int]]
    city: dict[str, list[int]]
    popularity: Popularity
    depth: int
    _blend: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    @classmethod
    def from_counts(cls, counts: pd.DataFrame, depth: int) -> Rankings:
        segment = rank_products(counts, "segment", depth)
        city = rank_products(counts, "city", depth)
        return cls(segment={k: list(g["product_id"]) for k, g in segment.groupby("segment")},
                   city={k: list(g["product_id"]) for k, g in city.groupby("city")},
                   popularity=Popularity.from_counts(counts), depth=depth)

    def blended(self, segment: str | None, city: str | None) -> list[int]:
        """The blend's ranking for a segment in a city; the city's (or segment's) list when
        one of the two is unknown."""
        if segment is None or city is None:
            return self.city.get(city or "", []) or self.segment.get(segment or "", [])
        key = (segment, city)
        if key not in self._blend:
            self._blend[key] = [p for p, _ in self.popularity.blended_ranking(segment, city,
                                                                                self.depth)]
        return self._blend[key]

    def recommend(self, method: str, segment: str | None, city: str | None,
                  exclude: Iterable[int]) -> list[int]:
        """Up to three product ids for a customer of ``segment`` in ``city``."""
        if method == LAB_RULE:
            return lab_rule(self.segment.get(segment or "", []), self.city.get(city or "", []),
                            exclude)
        return first_new(self.blended(segment, city), exclude)


_NEGATIVE_EXCLUSIONS_SQL = """
SELECT n.customer_id, o.product_id
FROM negative_customers AS n JOIN orders AS o ON o.customer_id = n.customer_id
WHERE o.status != 'Cancelled' AND o.product_id IS NOT NULL
UNION DISTINCT
SELECT n.customer_id, r.product_id
FROM negative_customers AS n JOIN customer_reviews AS r ON r.customer_id = n.customer_id
WHERE r.product_id IS NOT NULL
"""

_NEGATIVE_CUSTOMERS_SQL = """
SELECT n.customer_id, c.first_name AS customer_name, c.email AS customer_email,
       n.persona_age_group_profile AS segment, n.address_city AS city
FROM negative_customers AS n JOIN customers AS c ON c.customer_id = n.customer_id
ORDER BY n.customer_id
"""


def _exclusions(frame: pd.DataFrame) -> dict[int, set[int]]:
    """customer_id -> the set of product ids in ``frame``'s rows (vectorised grouping)."""
    if frame.empty:
        return {}
    ids = frame["customer_id"].to_numpy(dtype=np.int64)
    products = frame["product_id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ids, products = ids[order], products[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return {int(ids[start]): set(chunk.tolist())
            for start, chunk in zip(starts, np.split(products, starts[1:]))}


def recommendation_frames(store: Store, rankings: Rankings,
                          titles: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """final_personalized_recommendations (lab rule) and blended_recommendations, for every
    negative customer, in the lab's shape plus titles and the method."""
    customers = store.query(_NEGATIVE_CUSTOMERS_SQL)
    exclude = _exclusions(store.query(_NEGATIVE_EXCLUSIONS_SQL))
    title = titles["title"].to_dict()
    frames = {}
    for method, table in ((LAB_RULE, "final_personalized_recommendations"),
                          (BLEND, "blended_recommendations")):
        rows = []
        for row in customers.itertuples(index=False):
            segment = row.segment if isinstance(row.segment, str) else None
            city = row.city if isinstance(row.city, str) else None
            picks = rankings.recommend(method, segment, city, exclude.get(int(row.customer_id), ()))
            picks = picks + [None] * (PICKS - len(picks))
            rows.append({
                "customer_id": int(row.customer_id), "customer_name": row.customer_name,
                "customer_email": row.customer_email, "segment": segment,
                **{f"product{i}": None if p is None else str(p) for i, p in enumerate(picks, 1)},
                **{f"product{i}_title": title.get(p) for i, p in enumerate(picks, 1)},
                "method": method,
            })
        frames[table] = pd.DataFrame(rows, columns=[
            "customer_id", "customer_name", "customer_email", "segment", "product1", "product2",
            "product3", "product1_title", "product2_title", "product3_title", "method"])
    return frames


_HELD_OUT_LINES_SQL = """
WITH {held_out},
sample AS (
  SELECT customer_id, order_id, order_at FROM held_out
  ORDER BY MOD(customer_id * 7919, 1000003), customer_id LIMIT {limit}
)
SELECT s.customer_id, seg.persona_age_group_profile AS segment, seg.address_city AS city,
       o.product_id, s.order_at
FROM sample AS s
JOIN orders AS o ON o.order_id = s.order_id AND o.customer_id = s.customer_id
JOIN customer_segments AS seg ON seg.customer_id = s.customer_id
WHERE o.status != 'Cancelled' AND o.product_id IS NOT NULL
"""

_EARLIER_HISTORY_SQL = """
WITH {held_out},
sample AS (
  SELECT customer_id, order_id, order_at FROM held_out
  ORDER BY MOD(customer_id * 7919, 1000003), customer_id LIMIT {limit}
)
SELECT o.customer_id, o.product_id
FROM sample AS s JOIN orders AS o ON o.customer_id = s.customer_id
WHERE o.status != 'Cancelled' AND o.order_id != s.order_id AND o.product_id IS NOT NULL
UNION DISTINCT
SELECT r.customer_id, r.product_id
FROM sample AS s JOIN customer_reviews AS r ON r.customer_id = s.customer_id
WHERE r.review_datetime < s.order_at AND r.product_id IS NOT NULL
"""


@dataclass
class Evaluation:
    method: str
    customers_evaluated: int
    hit_rate: float | None
    precision_at_3: float | None
    status: str

    def as_row(self) -> dict[str, object]:
        return dict(self.__dict__)


def evaluate(store: Store, basis: str, depth: int, max_customers: int) -> list[Evaluation]:
    """Hit rate and precision@3 of both methods on each repeat customer's held-out last order.

    Rankings are learned from every order except the held-out ones; a customer's exclusions
    are their earlier orders and the reviews they posted before the held-out order. At most
    ``max_customers`` customers are evaluated (a fixed pseudo-random sample).
    """
    if basis != "orders":
        return [Evaluation(m, 0, None, None, "not evaluated: the data has no orders to hold out")
                for m in METHODS]
    query_args = {"held_out": HELD_OUT_ORDERS_CTE, "limit": int(max_customers)}
    held = store.query(_HELD_OUT_LINES_SQL.format(**query_args))
    if held.empty:
        return [Evaluation(m, 0, None, None, "not evaluated: no customer has two orders")
                for m in METHODS]
    rankings = Rankings.from_counts(purchase_counts(store, basis, hold_out_last_orders=True),
                                    depth)
    history = _exclusions(store.query(_EARLIER_HISTORY_SQL.format(**query_args)))
    bought = _exclusions(held)
    people = held.drop_duplicates("customer_id").set_index("customer_id")

    results = []
    for method in METHODS:
        hits = correct = shown = 0
        for customer_id, row in people.iterrows():
            segment = row["segment"] if isinstance(row["segment"], str) else None
            city = row["city"] if isinstance(row["city"], str) else None
            picks = rankings.recommend(method, segment, city, history.get(int(customer_id), ()))
            found = len(set(picks) & bought[int(customer_id)])
            hits += found > 0
            correct += found
            shown += PICKS
        results.append(Evaluation(method, len(people), hits / len(people), correct / shown,
                                  "evaluated"))
    return results
