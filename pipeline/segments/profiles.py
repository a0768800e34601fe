"""Persona segments: who is in which segment, the lab's profile table, the per-segment
summary (size, sentiment mix, rating, purchases, top cities and products) and the list of
negative customers.

Review sentiment comes from ``multimodal_customer_reviews.text_sentiment`` (built by the
review enrichment step); negative customers are those with a negative or neutral review.
"""

from __future__ import annotations

import pandas as pd

from pipeline.segments.store import Store
from tools.vocabulary.segments import (
    SEGMENTS,
    YOUNGER_BELOW,
    display_name,
    segment_parts,
)

SENTIMENT_TABLE = "multimodal_customer_reviews"
UNHAPPY = ("negative", "neutral")
NO_ISSUE = "해당없음"
REVENUE_STATUSES = ("Complete", "Shipped")
TOP_CITIES = 3
TOP_PRODUCTS = 3

_AGE_GROUP = (f"CASE WHEN c.age IS NULL THEN NULL WHEN c.age < {YOUNGER_BELOW} "
              "THEN 'Younger_Adult' ELSE 'Older_Adult' END")
_GENDER = "UPPER(NULLIF(TRIM(c.gender), ''))"
_LOYALTY = ("CASE WHEN c.loyalty_member IS NULL THEN NULL WHEN c.loyalty_member "
            "THEN 'LOYAL' ELSE 'NON_LOYAL' END")

CUSTOMER_SEGMENTS_SQL = f"""
SELECT
  c.customer_id,
  CASE WHEN c.age IS NULL OR NULLIF(TRIM(c.gender), '') IS NULL OR c.loyalty_member IS NULL
       THEN NULL
       ELSE CONCAT({_AGE_GROUP}, '_', {_GENDER}, '_', {_LOYALTY}) END AS persona_age_group_profile,
  {_AGE_GROUP} AS age_group,
  {_GENDER} AS gender,
  {_LOYALTY} AS loyalty_status,
  c.age,
  c.address_city
FROM customers AS c
"""

UNIQUE_SEGMENT_PROFILES_SQL = f"""
SELECT
  m.customer_id, s.age, s.gender, s.loyalty_status, m.text_sentiment, s.age_group,
  s.persona_age_group_profile, m.customer_review_id
FROM {SENTIMENT_TABLE} AS m
JOIN customer_segments AS s ON s.customer_id = m.customer_id
WHERE s.persona_age_group_profile IS NOT NULL
ORDER BY m.customer_id, m.customer_review_id
"""

NEGATIVE_CUSTOMERS_SQL = f"""
WITH unhappy AS (
  SELECT customer_id, text_sentiment, issue_category, review_datetime
  FROM {SENTIMENT_TABLE}
  WHERE text_sentiment IN ('negative', 'neutral')
),
issues AS (
  SELECT customer_id, issue_category,
         ROW_NUMBER() OVER (PARTITION BY customer_id
                            ORDER BY COUNT(*) DESC, MAX(review_datetime) DESC, issue_category) AS rn
  FROM unhappy
  WHERE issue_category IS NOT NULL AND issue_category != '{NO_ISSUE}'
  GROUP BY customer_id, issue_category
)
SELECT
  u.customer_id,
  s.persona_age_group_profile,
  s.address_city,
  COUNTIF(u.text_sentiment = 'negative') AS negative_reviews,
  COUNTIF(u.text_sentiment = 'neutral') AS neutral_reviews,
  MAX(u.review_datetime) AS last_unhappy_review_datetime,
  MAX(i.issue_category) AS main_issue_category
FROM unhappy AS u
JOIN customer_segments AS s ON s.customer_id = u.customer_id
LEFT JOIN issues AS i ON i.customer_id = u.customer_id AND i.rn = 1
GROUP BY u.customer_id, s.persona_age_group_profile, s.address_city
ORDER BY u.customer_id
"""

_SEGMENT_CITIES_SQL = """
SELECT persona_age_group_profile AS segment, address_city AS city, COUNT(*) AS customers
FROM customer_segments
WHERE persona_age_group_profile IS NOT NULL
GROUP BY 1, 2
"""

_SEGMENT_REVIEWS_SQL = f"""
SELECT
  s.persona_age_group_profile AS segment,
  COUNT(DISTINCT m.customer_id) AS reviewers,
  COUNT(*) AS reviews,
  COUNTIF(m.text_sentiment = 'positive') AS positive,
  COUNTIF(m.text_sentiment = 'neutral') AS neutral,
  COUNTIF(m.text_sentiment = 'negative') AS negative,
  AVG(m.rating) AS avg_rating,
  COUNT(DISTINCT IF(m.text_sentiment IN ('negative', 'neutral'), m.customer_id, NULL))
    AS negative_customers
FROM {SENTIMENT_TABLE} AS m
JOIN customer_segments AS s ON s.customer_id = m.customer_id
WHERE s.persona_age_group_profile IS NOT NULL
GROUP BY 1
"""

_SEGMENT_ISSUES_SQL = f"""
SELECT s.persona_age_group_profile AS segment, m.issue_category, COUNT(*) AS reviews
FROM {SENTIMENT_TABLE} AS m
JOIN customer_segments AS s ON s.customer_id = m.customer_id
WHERE m.text_sentiment = 'negative' AND m.issue_category IS NOT NULL
  AND m.issue_category != '{NO_ISSUE}' AND s.persona_age_group_profile IS NOT NULL
GROUP BY 1, 2
"""

_SEGMENT_ORDERS_SQL = f"""
SELECT
  s.persona_age_group_profile AS segment,
  COUNT(DISTINCT o.customer_id) AS buyers,
  COUNT(DISTINCT o.order_id) AS orders,
  SUM(o.sale_price * o.quantity) AS revenue
FROM orders AS o
JOIN customer_segments AS s ON s.customer_id = o.customer_id
WHERE o.status IN {REVENUE_STATUSES!r} AND s.persona_age_group_profile IS NOT NULL
GROUP BY 1
"""


def build_customer_segments(store: Store) -> dict[str, int]:
    """customer_segments, unique_segment_profiles and negative_customers, in the warehouse."""
    return {
        "customer_segments": store.materialize("customer_segments", CUSTOMER_SEGMENTS_SQL),
        "unique_segment_profiles": store.materialize("unique_segment_profiles",
                                                     UNIQUE_SEGMENT_PROFILES_SQL),
        "negative_customers": store.materialize("negative_customers", NEGATIVE_CUSTOMERS_SQL),
    }


def _top_labels(frame: pd.DataFrame, group: str, label: str, weight: str, n: int) -> pd.Series:
    """Per ``group``, the ``n`` labels with the largest ``weight`` (ties by label), joined."""
    ranked = frame.sort_values([group, weight, label], ascending=[True, False, True])
    return ranked.groupby(group)[label].apply(lambda s: ", ".join(s.astype(str).head(n)))


def persona_segment_frame(store: Store, segment_top: pd.DataFrame) -> pd.DataFrame:
    """One row per persona segment (all 12, empty ones with zeros) for persona_segments.

    ``segment_top`` is the segment_top_products frame (rank order within each segment).
    """
    cities = store.query(_SEGMENT_CITIES_SQL)
    reviews = store.query(_SEGMENT_REVIEWS_SQL).set_index("segment")
    issues = store.query(_SEGMENT_ISSUES_SQL)
    orders = store.query(_SEGMENT_ORDERS_SQL).set_index("segment")

    sizes = cities.groupby("segment")["customers"].sum()
    top_cities = _top_labels(cities, "segment", "city", "customers", TOP_CITIES)
    top_issue = _top_labels(issues, "segment", "issue_category", "reviews", 1)
    top_products = (segment_top.sort_values(["persona_age_group_profile", "rank"])
                    .groupby("persona_age_group_profile")["title"]
                    .apply(lambda s: ", ".join(list(dict.fromkeys(s.dropna().astype(str)))
                                               [:TOP_PRODUCTS])))
    total = float(sizes.sum()) or 1.0

    rows = []
    for segment in SEGMENTS:
        parts = segment_parts(segment)
        review = reviews.loc[segment] if segment in reviews.index else None
        n_reviews = int(review["reviews"]) if review is not None else 0
        order = orders.loc[segment] if segment in orders.index else None
        n_orders = int(order["orders"]) if order is not None else 0
        revenue = float(order["revenue"]) if order is not None else 0.0

        def share(column: str, review=review, n_reviews=n_reviews) -> float | None:
            return float(review[column]) / n_reviews if n_reviews else None

        rows.append({
            "persona_age_group_profile": segment,
            "display_name": display_name(segment, "en"),
            "display_name_ko": display_name(segment, "ko"),
            **parts,
            "customers": int(sizes.get(segment, 0)),
            "share_of_customers": float(sizes.get(segment, 0)) / total,
            "reviewers": int(review["reviewers"]) if review is not None else 0,
            "reviews": n_reviews,
            "positive_share": share("positive"),
            "neutral_share": share("neutral"),
            "negative_share": share("negative"),
            "avg_rating": float(review["avg_rating"]) if n_reviews else None,
            "negative_customers": int(review["negative_customers"]) if review is not None else 0,
            "top_issue": top_issue.get(segment),
            "buyers": int(order["buyers"]) if order is not None else 0,
            "orders": n_orders,
            "revenue": revenue,
            "avg_order_value": revenue / n_orders if n_orders else None,
            "top_cities": top_cities.get(segment, ""),
            "top_products": top_products.get(segment, ""),
        })
    return pd.DataFrame(rows)
