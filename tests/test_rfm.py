"""RFM clustering: deterministic names from centroids, local K-means, and the BQML SQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from pipeline.segments.rfm import INACTIVE, cluster_locally, cluster_table
from pipeline.segments.rfm_bqml import (
    cluster_stats_sql,
    create_model_sql,
    customer_rfm_sql,
    predict_sql,
    silhouette_sample_sql,
)
from tools.segments.rfm_names import archetypes, name_clusters

# Standardised centroids (recency days, log frequency, log spend) like a real 5-cluster run.
CENTROIDS = np.array([[-0.80, 1.52, 0.20], [-0.55, -0.26, 0.79], [1.15, -0.43, 0.57],
                      [-0.56, -0.50, -0.94], [1.21, -0.67, -1.28]])


def test_cluster_names_follow_the_centroids() -> None:
    names = [a.name for a in name_clusters(CENTROIDS)]
    assert names == ["champions", "big spenders", "lapsed big spenders",
                     "promising occasionals", "hibernating one-timers"]


def test_cluster_names_are_deterministic_and_do_not_depend_on_order() -> None:
    first = [a.name for a in name_clusters(CENTROIDS)]
    assert first == [a.name for a in name_clusters(CENTROIDS.copy())]
    permutation = [3, 0, 4, 1, 2]
    permuted = [a.name for a in name_clusters(CENTROIDS[permutation])]
    assert permuted == [first[i] for i in permutation]


def test_cluster_names_are_unique_for_any_k() -> None:
    rng = np.random.default_rng(0)
    for k in range(2, len(archetypes()[0]) + 1):
        names = [a.name for a in name_clusters(rng.normal(size=(k, 3)))]
        assert len(set(names)) == k
    with pytest.raises(ValueError, match="CYMBAL_RFM_K"):
        name_clusters(rng.normal(size=(len(archetypes()[0]) + 1, 3)))


def _features(n: int = 600, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frequency = rng.integers(0, 12, size=n)
    recency = np.where(frequency > 0, rng.integers(0, 365, size=n), np.nan)
    spend = np.where(frequency > 0, rng.lognormal(11, 0.6, size=n), np.nan)
    return pd.DataFrame({"customer_id": np.arange(1001, 1001 + n), "recency_days": recency,
                         "frequency": frequency, "monetary": np.nan_to_num(spend) * frequency,
                         "avg_spend": spend})


def test_local_clustering_is_deterministic_and_complete() -> None:
    features = _features()
    shuffled = features.sample(frac=1.0, random_state=3)  # rows arrive in any order
    two = cluster_locally(shuffled, k=5, seed=42, basis="orders", silhouette_sample=300)
    one = cluster_locally(features, k=5, seed=42, basis="orders", silhouette_sample=300)
    pd.testing.assert_frame_equal(one.customers, two.customers)
    pd.testing.assert_frame_equal(one.clusters, two.clusters)
    assert one.k == 5 and -1 <= one.silhouette <= 1
    clusters = one.clusters.set_index("cluster_id")
    assert list(clusters.index) == [0, 1, 2, 3, 4, 5]
    assert clusters.loc[0, "cluster_name"] == "no purchases yet"
    assert clusters["customers"].sum() == len(features)
    inactive = features["frequency"] == 0
    assert (one.customers.loc[inactive, "cluster_id"] == 0).all()
    assert (one.customers.loc[~inactive, "cluster_id"] > 0).all()
    # Clusters are numbered by average revenue per customer, highest first.
    revenue = clusters.loc[1:, "avg_monetary"].to_numpy()
    assert (np.diff(revenue) <= 0).all()


def test_few_distinct_customers_lower_k_and_review_basis_names_cluster_zero() -> None:
    features = pd.DataFrame({"customer_id": [1, 2, 3, 4], "recency_days": [5, 5, 200, None],
                             "frequency": [1, 1, 1, 0], "monetary": [10.0, 10.0, 50.0, 0.0],
                             "avg_spend": [10.0, 10.0, 50.0, None]})
    result = cluster_locally(features, k=5, seed=42, basis="reviews", silhouette_sample=100)
    assert result.k == 2
    assert 0 < result.silhouette <= 1
    assert result.clusters.set_index("cluster_id").loc[0, "cluster_name"] == "no reviews yet"
    assert "review" in result.clusters["basis_note"].iloc[0]


def test_cluster_table_handles_bqml_statistics() -> None:
    stats = pd.DataFrame({
        "customers": [10, 40, 50], "avg_recency_days": [None, 20.0, 200.0],
        "avg_frequency": [0.0, 6.0, 1.2], "avg_spend": [None, 90_000.0, 40_000.0],
        "avg_monetary": [0.0, 540_000.0, 48_000.0], "r": [None, -0.9, 0.9],
        "f": [None, 1.2, -0.8], "m": [None, 0.3, -0.6]}, index=[INACTIVE, 7, 3])
    table, numbers = cluster_table(stats, 0.4, 2, "BigQuery ML KMEANS", "orders")
    assert numbers == {7: 1, 3: 2, INACTIVE: 0}
    assert list(table["cluster_name"]) == ["no purchases yet", "champions",
                                           "hibernating one-timers"]
    assert table["share_of_customers"].sum() == pytest.approx(1.0)


def _parse(sql: str) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read="bigquery")
    assert tree is not None
    return tree


def test_bqml_create_model_sql() -> None:
    sql = create_model_sql("proj", "cymbal", "orders", 5)
    assert sql.startswith("CREATE OR REPLACE MODEL `proj.cymbal.rfm_kmeans`")
    for option in ("model_type = 'KMEANS'", "num_clusters = 5", "standardize_features = TRUE"):
        assert option in sql
    training = sql.split("\nAS ", 1)[1]
    columns = [c.alias_or_name for c in _parse(training).selects]
    assert columns == ["recency", "log_frequency", "log_avg_spend"]  # no customer_id feature
    assert "status IN ('Complete', 'Shipped')" in training


def test_bqml_queries_parse_and_use_ml_predict() -> None:
    for sql in (predict_sql("p", "d", "orders"), cluster_stats_sql("p", "d", "orders"),
                silhouette_sample_sql("p", "d", "reviews", 500),
                customer_rfm_sql("p", "d", "orders", {4: 1, 2: 2, INACTIVE: 0},
                                 {0: "no purchases yet", 1: "champions", 2: "o'brien"})):
        tree = _parse(sql)
        assert isinstance(tree, exp.Query)
        assert "ML.PREDICT(MODEL `p.d.rfm_kmeans`" in tree.sql("bigquery")
    rfm = customer_rfm_sql("p", "d", "orders", {4: 1, 2: 2, INACTIVE: 0}, {0: "x", 1: "y", 2: "z"})
    assert "CASE a.label WHEN 2 THEN 2 WHEN 4 THEN 1 END" in rfm
    assert "\\'" in customer_rfm_sql("p", "d", "orders", {}, {0: "o'brien"})
