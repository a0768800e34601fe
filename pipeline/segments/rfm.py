"""RFM features and K-means clusters of customers (scikit-learn on the embedded warehouse).

Features per customer: recency (days from the last purchase to the data's last order day),
frequency (distinct orders) and average spend (revenue per order), from Complete and Shipped
lines. On data without orders (the lab's own files) they come from review activity instead —
days since the last review, number of reviews, average price of the reviewed products — and
the tables say so. K-means runs on standardised recency, log frequency and log average spend
of the customers with any activity; the others form cluster 0 ("no purchases yet", or
"no reviews yet" on review basis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from tools.segments.rfm_names import Archetype, archetypes, name_clusters

SKLEARN_METHOD = "scikit-learn KMeans"
BASIS_NOTES = {
    "orders": "Recency = days since the last Complete/Shipped order (to the last order day in "
              "the data); frequency = distinct orders; spend = revenue per order.",
    "reviews": "This data has no orders, so RFM uses review activity instead: recency = days "
               "since the last review, frequency = number of reviews, spend = average price "
               "of the reviewed products.",
}

# Plain subqueries (no WITH), so the query nests anywhere, BQML's training query included.
ORDER_FEATURES_SQL = """
SELECT c.customer_id,
       DATE_DIFF(DATE(b.last_at), DATE(p.last_at), DAY) AS recency_days,
       COALESCE(p.frequency, 0) AS frequency,
       COALESCE(p.monetary, 0) AS monetary,
       SAFE_DIVIDE(p.monetary, p.frequency) AS avg_spend
FROM customers AS c
CROSS JOIN (SELECT MAX(order_datetime) AS last_at FROM orders) AS b
LEFT JOIN (
  SELECT customer_id, MAX(order_datetime) AS last_at, COUNT(DISTINCT order_id) AS frequency,
         SUM(sale_price * quantity) AS monetary
  FROM orders
  WHERE status IN ('Complete', 'Shipped')
  GROUP BY customer_id
) AS p ON p.customer_id = c.customer_id
"""

REVIEW_FEATURES_SQL = """
SELECT c.customer_id,
       DATE_DIFF(DATE(b.last_at), DATE(p.last_at), DAY) AS recency_days,
       COALESCE(p.frequency, 0) AS frequency,
       COALESCE(p.monetary, 0) AS monetary,
       p.avg_spend
FROM customers AS c
CROSS JOIN (SELECT MAX(review_datetime) AS last_at FROM customer_reviews) AS b
LEFT JOIN (
  SELECT r.customer_id, MAX(r.review_datetime) AS last_at, COUNT(*) AS frequency,
         SUM(pr.price) AS monetary, AVG(pr.price) AS avg_spend
  FROM customer_reviews AS r
  LEFT JOIN products AS pr ON SAFE_CAST(pr.product_id AS INT64) = r.product_id
  GROUP BY r.customer_id
) AS p ON p.customer_id = c.customer_id
"""


def features_sql(basis: str) -> str:
    """The per-customer feature query for ``orders`` or ``reviews`` basis."""
    return ORDER_FEATURES_SQL if basis == "orders" else REVIEW_FEATURES_SQL


def model_inputs(features: pd.DataFrame) -> np.ndarray:
    """The clustered columns: recency days, log(1 + frequency), log(1 + average spend)."""
    return np.column_stack([
        features["recency_days"].to_numpy(dtype=float),
        np.log1p(features["frequency"].to_numpy(dtype=float)),
        np.log1p(features["avg_spend"].fillna(0).to_numpy(dtype=float)),
    ])


@dataclass
class Clustering:
    """Per-customer assignments and per-cluster summaries, ready to store."""

    customers: pd.DataFrame | None  # customer_rfm rows; None when written in the warehouse
    clusters: pd.DataFrame    # rfm_clusters rows
    silhouette: float | None
    k: int


def _active(features: pd.DataFrame) -> pd.Series:
    return (features["frequency"] > 0) & features["recency_days"].notna()


INACTIVE = -1  # the label of customers with no activity before numbering


def cluster_locally(features: pd.DataFrame, k: int, seed: int, basis: str,
                    silhouette_sample: int) -> Clustering:
    """K-means with scikit-learn on standardised features; clusters named from centroids.

    Rows are put in customer_id order first: k-means++ seeding and the silhouette sample pick
    rows by position, and a warehouse returns rows in no fixed order.
    """
    features = features.sort_values("customer_id", kind="stable").reset_index(drop=True)
    active = _active(features)
    inputs = model_inputs(features[active])
    distinct = len(np.unique(inputs, axis=0)) if len(inputs) else 0
    k_used = max(1, min(k, distinct))
    labels = np.zeros(len(inputs), dtype=int)
    scaled = StandardScaler().fit_transform(inputs) if len(inputs) else inputs
    if k_used > 1:
        labels = KMeans(n_clusters=k_used, n_init=10, random_state=seed).fit_predict(scaled)
    silhouette = None
    if 1 < k_used < len(inputs):
        silhouette = float(silhouette_score(scaled, labels,
                                            sample_size=min(silhouette_sample, len(inputs)),
                                            random_state=seed))
    all_labels = np.full(len(features), INACTIVE)
    all_labels[active.to_numpy()] = labels
    frame = features.assign(_label=all_labels)
    stats = frame.groupby("_label").agg(
        customers=("customer_id", "size"), avg_recency_days=("recency_days", "mean"),
        avg_frequency=("frequency", "mean"), avg_spend=("avg_spend", "mean"),
        avg_monetary=("monetary", "mean"))
    if len(scaled):
        centroids = pd.DataFrame(scaled, columns=["r", "f", "m"]).groupby(labels).mean()
        stats = stats.join(centroids)
    table, numbers = cluster_table(stats, silhouette, k_used, SKLEARN_METHOD, basis)
    out = features[["customer_id", "recency_days", "frequency", "monetary", "avg_spend"]].copy()
    out["cluster_id"] = [numbers[label] for label in all_labels]
    names = dict(zip(table["cluster_id"], table["cluster_name"]))
    out["cluster_name"] = out["cluster_id"].map(names)
    out["basis"] = basis
    return Clustering(customers=out, clusters=table, silhouette=silhouette, k=k_used)


def cluster_table(stats: pd.DataFrame, silhouette: float | None, k: int, method: str,
                  basis: str) -> tuple[pd.DataFrame, dict[int, int]]:
    """rfm_clusters rows from per-label statistics, and the cluster_id of every label.

    ``stats`` is indexed by K-means label (``INACTIVE`` for customers with no activity) with
    customers, avg_recency_days, avg_frequency, avg_spend, avg_monetary and the standardised
    centroid r, f, m. Clusters are numbered 1..k by average revenue per customer, highest
    first, and named from their centroids; inactive customers are cluster 0.
    """
    active = [label for label in stats.index if label != INACTIVE]
    order = sorted(active, key=lambda label: (-stats.at[label, "avg_monetary"], label))
    named: dict[int, Archetype] = {}
    if order:
        named = dict(zip(order, name_clusters(stats.loc[order, ["r", "f", "m"]].to_numpy())))
    inactive = archetypes()[1][basis]
    numbers = {label: i for i, label in enumerate(order, start=1)}
    numbers[INACTIVE] = 0
    named[INACTIVE] = inactive
    total = float(stats["customers"].sum()) or 1.0
    rows = []
    for label in [INACTIVE, *order] if INACTIVE in stats.index else order:
        archetype, row = named[label], stats.loc[label]
        rows.append({
            "cluster_id": numbers[label], "cluster_name": archetype.name,
            "cluster_name_ko": archetype.name_ko, "customers": int(row["customers"]),
            "share_of_customers": float(row["customers"]) / total,
            "avg_recency_days": _round(row["avg_recency_days"]),
            "avg_frequency": _round(row["avg_frequency"]),
            "avg_spend": _round(row["avg_spend"]), "avg_monetary": _round(row["avg_monetary"]),
            "next_step": archetype.next_step, "next_step_ko": archetype.next_step_ko,
            "silhouette": silhouette, "k": k, "method": method, "basis": basis,
            "basis_note": BASIS_NOTES[basis],
        })
    return pd.DataFrame(rows), numbers


def _round(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)
