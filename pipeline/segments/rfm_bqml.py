"""RFM clusters on BigQuery with BigQuery ML: ``CREATE MODEL … OPTIONS(model_type='KMEANS')``.

The same features and standardisation as the local path (``rfm.model_inputs``), trained and
applied in the warehouse: the model is created from the feature query, customers are assigned
with ``ML.PREDICT``, cluster statistics are aggregated in SQL, and ``customer_rfm`` is
materialised server-side. Only the per-cluster statistics and a sample for the silhouette
score come back to Python, where clusters are numbered and named exactly as locally.

This path needs real BigQuery: the local BigQuery emulator runs on DuckDB and has no BQML, so
the tests check the SQL this module writes rather than run it.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import silhouette_score

from pipeline.segments.rfm import INACTIVE, Clustering, cluster_table, features_sql
from pipeline.segments.store import BigQueryStore

BQML_METHOD = "BigQuery ML KMEANS"
MODEL_NAME = "rfm_kmeans"


def model_id(project: str, dataset: str) -> str:
    return f"`{project}.{dataset}.{MODEL_NAME}`"


def inputs_sql(basis: str) -> str:
    """Active customers with the clustered columns (the same transform as ``model_inputs``)."""
    return (
        "SELECT customer_id, recency_days, frequency, monetary, avg_spend, "
        "CAST(recency_days AS FLOAT64) AS recency, LN(1 + frequency) AS log_frequency, "
        "LN(1 + COALESCE(avg_spend, 0)) AS log_avg_spend "
        f"FROM ({features_sql(basis)}) "
        "WHERE frequency > 0 AND recency_days IS NOT NULL")


def create_model_sql(project: str, dataset: str, basis: str, k: int) -> str:
    """The BQML K-means model on standardised recency, log frequency and log spend."""
    return (
        f"CREATE OR REPLACE MODEL {model_id(project, dataset)}\n"
        f"OPTIONS (model_type = 'KMEANS', num_clusters = {int(k)}, "
        "standardize_features = TRUE, kmeans_init_method = 'KMEANS++', max_iterations = 50)\n"
        f"AS SELECT recency, log_frequency, log_avg_spend FROM ({inputs_sql(basis)})")


def predict_sql(project: str, dataset: str, basis: str) -> str:
    """Every active customer with its assigned centroid (``label``)."""
    return (f"SELECT CENTROID_ID AS label, customer_id, recency_days, frequency, monetary, "
            f"avg_spend, recency, log_frequency, log_avg_spend "
            f"FROM ML.PREDICT(MODEL {model_id(project, dataset)}, ({inputs_sql(basis)}))")


def cluster_stats_sql(project: str, dataset: str, basis: str) -> str:
    """Per centroid: size, averages and the standardised centroid (r, f, m); plus one row
    (label -1) for customers with no activity."""
    return f"""
WITH scored AS ({predict_sql(project, dataset, basis)}),
overall AS (
  SELECT AVG(recency) AS mr, STDDEV_POP(recency) AS sr,
         AVG(log_frequency) AS mf, STDDEV_POP(log_frequency) AS sf,
         AVG(log_avg_spend) AS mm, STDDEV_POP(log_avg_spend) AS sm
  FROM scored
)
SELECT s.label, COUNT(*) AS customers,
       AVG(s.recency_days) AS avg_recency_days, AVG(s.frequency) AS avg_frequency,
       AVG(s.avg_spend) AS avg_spend, AVG(s.monetary) AS avg_monetary,
       COALESCE(SAFE_DIVIDE(AVG(s.recency) - ANY_VALUE(o.mr), ANY_VALUE(o.sr)), 0) AS r,
       COALESCE(SAFE_DIVIDE(AVG(s.log_frequency) - ANY_VALUE(o.mf), ANY_VALUE(o.sf)), 0) AS f,
       COALESCE(SAFE_DIVIDE(AVG(s.log_avg_spend) - ANY_VALUE(o.mm), ANY_VALUE(o.sm)), 0) AS m
FROM scored AS s CROSS JOIN overall AS o
GROUP BY s.label
UNION ALL
SELECT {INACTIVE}, COUNT(*), CAST(NULL AS FLOAT64), 0.0, CAST(NULL AS FLOAT64), 0.0,
       CAST(NULL AS FLOAT64), CAST(NULL AS FLOAT64), CAST(NULL AS FLOAT64)
FROM ({features_sql(basis)})
WHERE NOT (frequency > 0 AND recency_days IS NOT NULL)
"""


def silhouette_sample_sql(project: str, dataset: str, basis: str, n: int) -> str:
    """A fixed pseudo-random sample of assigned customers for the silhouette score."""
    return (f"SELECT label, recency, log_frequency, log_avg_spend "
            f"FROM ({predict_sql(project, dataset, basis)}) "
            f"ORDER BY MOD(customer_id * 7919, 1000003), customer_id LIMIT {int(n)}")


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def customer_rfm_sql(project: str, dataset: str, basis: str, numbers: dict[int, int],
                     names: dict[int, str]) -> str:
    """customer_rfm in the warehouse: features, the numbered cluster and its name.

    ``numbers`` maps BQML centroid ids to cluster ids; ``names`` maps cluster ids to names
    (0 for customers with no activity).
    """
    number_cases = " ".join(f"WHEN {int(label)} THEN {int(cid)}"
                            for label, cid in sorted(numbers.items()) if label != INACTIVE)
    name_cases = " ".join(f"WHEN {int(cid)} THEN {_quote(name)}"
                          for cid, name in sorted(names.items()))
    return f"""
WITH features AS ({features_sql(basis)}),
assigned AS (
  SELECT customer_id, CENTROID_ID AS label
  FROM ML.PREDICT(MODEL {model_id(project, dataset)}, ({inputs_sql(basis)}))
),
numbered AS (
  SELECT f.customer_id, f.recency_days, f.frequency, f.monetary, f.avg_spend,
         COALESCE(CASE a.label {number_cases} END, 0) AS cluster_id
  FROM features AS f LEFT JOIN assigned AS a ON a.customer_id = f.customer_id
)
SELECT customer_id, recency_days, frequency, monetary, avg_spend, cluster_id,
       CASE cluster_id {name_cases} END AS cluster_name, {_quote(basis)} AS basis
FROM numbered
"""


def cluster_with_bqml(store: BigQueryStore, k: int, basis: str,
                      silhouette_sample: int) -> Clustering:
    """Train, apply and summarise the BQML model; customer_rfm is written in BigQuery.

    Per-customer rows stay in the warehouse (``customers`` is None).
    """
    project, dataset = store.project, store.dataset
    store.run(create_model_sql(project, dataset, basis, k))
    stats = store.query(cluster_stats_sql(project, dataset, basis)).set_index("label")
    stats.index = stats.index.astype(int)
    sample = store.query(silhouette_sample_sql(project, dataset, basis, silhouette_sample))
    silhouette = None
    if sample["label"].nunique() > 1:
        values = sample[["recency", "log_frequency", "log_avg_spend"]].to_numpy(dtype=float)
        spread = values.std(axis=0)
        scaled = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
        silhouette = float(silhouette_score(scaled, sample["label"].to_numpy()))
    active_k = int((stats.index != INACTIVE).sum())
    table, numbers = cluster_table(stats, silhouette, active_k, BQML_METHOD, basis)
    names = dict(zip(table["cluster_id"], table["cluster_name"]))
    store.materialize("customer_rfm", customer_rfm_sql(project, dataset, basis, numbers, names))
    return Clustering(customers=None, clusters=table, silhouette=silhouette, k=active_k)
