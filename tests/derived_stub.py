"""Stand-ins for the derived tables that review enrichment and segmentation build.

They follow the agreed contract (names, columns, value sets) and are computed from the base
tables with plain rules (sentiment from the star rating, clusters by customer id), so the
derived-table samples and gold questions can be checked before the real builders exist.
Only the tests use them; the real tables replace them after merging.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

SENTIMENT = ("CASE WHEN r.rating >= 4 THEN 'positive' WHEN r.rating <= 2 THEN 'negative' "
             "ELSE 'neutral' END")
SEGMENT = ("CONCAT(IF(c.age < 40, 'Younger_Adult', 'Older_Adult'), '_', UPPER(c.gender), '_', "
           "IF(c.loyalty_member, 'LOYAL', 'NON_LOYAL'))")
CLUSTERS = ["Champions", "Loyal Regulars", "Big Spenders", "At Risk", "Hibernating"]

STATEMENTS = [
    f"""CREATE TABLE multimodal_customer_reviews AS
    SELECT r.*, '{{"sentiment": "' || s.sentiment || '"}}' AS sentiment_json_string,
           s.sentiment AS text_sentiment, '{{"keywords": []}}' AS keywords_json_string,
           CASE WHEN s.sentiment = 'positive' THEN '해당없음'
                ELSE (['품질불량', '배송문제', '기대미충족', '단순변심', '결제문제', '응대문제',
                       '기타'])[r.customer_review_id % 7 + 1] END AS issue_category,
           (r.rating >= 4 AND s.sentiment = 'negative') OR (r.rating <= 2 AND
               s.sentiment = 'positive') OR r.customer_review_id % 11 = 0 AS rating_text_disagree,
           CASE WHEN s.sentiment <> 'positive' THEN 'Improve packaging' END AS improvement_point,
           CASE WHEN r.customer_review_id % 9 = 0 THEN 'gs://bucket/review/images/Review (' ||
               r.customer_review_id || ').png' END AS image_uri,
           CASE WHEN r.customer_review_id % 40 = 0 THEN 'gs://bucket/review/videos/Video (' ||
               r.customer_review_id || ').mp4' END AS video_uri
    FROM customer_reviews AS r, LATERAL (SELECT {SENTIMENT} AS sentiment) AS s""",
    """CREATE TABLE customer_reviews_analysis AS
    SELECT customer_review_id, sentiment_json_string, text_sentiment
    FROM multimodal_customer_reviews""",
    f"""CREATE TABLE unique_segment_profiles AS
    SELECT c.customer_id, c.age, UPPER(c.gender) AS gender,
           IF(c.loyalty_member, 'LOYAL', 'NON_LOYAL') AS loyalty_status, m.text_sentiment,
           IF(c.age < 40, 'Younger_Adult', 'Older_Adult') AS age_group,
           {SEGMENT} AS persona_age_group_profile
    FROM multimodal_customer_reviews AS m JOIN customers AS c USING (customer_id)""",
    f"""CREATE TABLE customer_segments AS
    SELECT c.customer_id, {SEGMENT} AS persona_age_group_profile,
           IF(c.age < 40, 'Younger_Adult', 'Older_Adult') AS age_group,
           IF(c.loyalty_member, 'LOYAL', 'NON_LOYAL') AS loyalty_status, c.address_city,
           c.customer_id % 5 AS rfm_cluster_id,
           ({CLUSTERS!r})[c.customer_id % 5 + 1] AS rfm_cluster_name
    FROM customers AS c""",
    """CREATE TABLE persona_segments AS
    SELECT g.persona_age_group_profile, COUNT(DISTINCT g.customer_id) AS customers,
           ROUND(AVG(m.rating), 2) AS avg_rating,
           ROUND(AVG(IF(m.text_sentiment = 'negative', 1, 0)), 3) AS negative_share
    FROM customer_segments AS g LEFT JOIN multimodal_customer_reviews AS m USING (customer_id)
    GROUP BY g.persona_age_group_profile""",
    """CREATE TABLE customer_persona_definitions AS
    SELECT persona_age_group_profile,
           'Customers in ' || persona_age_group_profile AS persona_description,
           'Summary' AS summary, 'Value' AS motivations, 'Quality' AS needs,
           'Come back for 10% off' AS marketing_pitch
    FROM persona_segments""",
    f"""CREATE TABLE negative_customers AS
    SELECT m.customer_id, m.customer_review_id, {SEGMENT} AS persona_age_group_profile,
           c.address_city, m.text_sentiment, m.issue_category, m.rating
    FROM multimodal_customer_reviews AS m JOIN customers AS c USING (customer_id)
    WHERE m.text_sentiment IN ('negative', 'neutral')""",
    f"""CREATE TABLE segment_top_products AS
    SELECT * FROM (
      SELECT {SEGMENT} AS persona_age_group_profile,
             ROW_NUMBER() OVER (PARTITION BY {SEGMENT} ORDER BY COUNT(*) DESC, p.title) AS rank,
             MIN(p.product_id) AS product_id, p.title, COUNT(*) AS purchases
      FROM orders AS o JOIN customers AS c USING (customer_id)
      JOIN products AS p ON o.product_id = CAST(p.product_id AS BIGINT)
      GROUP BY 1, p.title) WHERE rank <= 3""",
    """CREATE TABLE city_top_products AS
    SELECT * FROM (
      SELECT c.address_city,
             ROW_NUMBER() OVER (PARTITION BY c.address_city ORDER BY COUNT(*) DESC, p.title) AS rank,
             MIN(p.product_id) AS product_id, p.title, COUNT(*) AS purchases
      FROM orders AS o JOIN customers AS c USING (customer_id)
      JOIN products AS p ON o.product_id = CAST(p.product_id AS BIGINT)
      GROUP BY 1, p.title) WHERE rank <= 3""",
    """CREATE TABLE customer_rfm AS
    SELECT o.customer_id,
           DATE_DIFF('day', MAX(o.order_datetime), (SELECT MAX(order_datetime) FROM orders)) AS recency_days,
           COUNT(DISTINCT o.order_id) AS frequency, SUM(o.quantity * o.sale_price) AS monetary,
           SUM(o.quantity * o.sale_price) / COUNT(DISTINCT o.order_id) AS avg_spend,
           g.rfm_cluster_id AS cluster_id, g.rfm_cluster_name AS cluster_name
    FROM orders AS o JOIN customer_segments AS g USING (customer_id)
    GROUP BY o.customer_id, g.rfm_cluster_id, g.rfm_cluster_name""",
    """CREATE TABLE rfm_clusters AS
    SELECT cluster_id, cluster_name, COUNT(*) AS customers,
           ROUND(AVG(recency_days), 1) AS avg_recency_days,
           ROUND(AVG(frequency), 2) AS avg_frequency, ROUND(AVG(avg_spend)) AS avg_spend,
           'Send a ' || cluster_name || ' offer' AS next_step
    FROM customer_rfm GROUP BY cluster_id, cluster_name""",
    """CREATE TABLE final_personalized_recommendations AS
    SELECT DISTINCT n.customer_id, c.first_name AS customer_name, c.email AS customer_email,
           n.persona_age_group_profile AS segment,
           s1.product_id AS product1, s2.product_id AS product2, t.product_id AS product3
    FROM negative_customers AS n JOIN customers AS c USING (customer_id)
    JOIN segment_top_products AS s1 ON s1.persona_age_group_profile = n.persona_age_group_profile AND s1.rank = 1
    JOIN segment_top_products AS s2 ON s2.persona_age_group_profile = n.persona_age_group_profile AND s2.rank = 2
    JOIN city_top_products AS t ON t.address_city = n.address_city AND t.rank = 1""",
]


def add_derived_tables(path: Path) -> None:
    """Create the stand-in derived tables in the DuckDB file at ``path``."""
    con = duckdb.connect(str(path))
    try:
        for statement in STATEMENTS:
            con.execute(statement)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def copy_data_dir(source: Path, target: Path) -> Path:
    """A copy of a built data folder (warehouse, value index, vector index)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("sessions.db*"))
    return target
