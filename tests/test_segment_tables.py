"""The segment tables setup builds, checked against the data they come from (real DuckDB)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from config.settings import Settings
from pipeline.segments.profiles import CUSTOMER_SEGMENTS_SQL
from pipeline.segments.store import DuckDBStore
from pipeline.setup import run_setup
from pipeline.steps import SetupOptions
from tests.conftest import SMALL_SCALE
from tools.warehouse.schema import load_schema

SEGMENT_TABLES = ("customer_segments", "unique_segment_profiles", "persona_segments",
                  "customer_persona_definitions", "negative_customers", "segment_top_products",
                  "city_top_products", "segment_city_top_products", "customer_rfm",
                  "rfm_clusters", "final_personalized_recommendations",
                  "blended_recommendations", "recommendation_evaluation")


@pytest.fixture()
def con(built_data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(built_data_dir / "cymbal.duckdb"), read_only=True)
    yield connection
    connection.close()


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def test_every_segment_table_is_built_as_documented(con) -> None:
    schema = load_schema()
    assert set(SEGMENT_TABLES) <= set(schema)
    for name in SEGMENT_TABLES:
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [name]).fetchall()]
        assert columns == schema[name].column_names, name
        assert con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] > 0, name


def test_segment_sql_edge_cases_on_duckdb() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (customer_id BIGINT, gender VARCHAR, age BIGINT, "
                "loyalty_member BOOLEAN, address_city VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'Female', 39, TRUE, 'Seoul'), "
                "(2, 'Female', 40, TRUE, 'Seoul'), (3, 'male', 18, FALSE, 'Busan'), "
                "(4, 'Other', 70, FALSE, 'Jeju'), (5, '', 30, TRUE, 'Jeju'), "
                "(6, 'Male', NULL, TRUE, 'Jeju'), (7, 'Male', 50, NULL, 'Jeju')")
    segments = DuckDBStore(con).query(CUSTOMER_SEGMENTS_SQL).set_index("customer_id")
    profile = segments["persona_age_group_profile"]
    assert profile[1] == "Younger_Adult_FEMALE_LOYAL"
    assert profile[2] == "Older_Adult_FEMALE_LOYAL"
    assert profile[3] == "Younger_Adult_MALE_NON_LOYAL"
    assert profile[4] == "Older_Adult_OTHER_NON_LOYAL"
    assert profile[[5, 6, 7]].isna().all()  # a missing part means no segment, as in the lab
    assert segments.loc[6, "age_group"] is None or pd.isna(segments.loc[6, "age_group"])


def test_customer_segments_agree_with_customers(con) -> None:
    mismatches = con.execute("""
        SELECT COUNT(*) FROM customers c JOIN customer_segments s USING (customer_id)
        WHERE s.persona_age_group_profile != (CASE WHEN c.age < 40 THEN 'Younger_Adult'
              ELSE 'Older_Adult' END) || '_' || upper(c.gender) || '_' ||
              (CASE WHEN c.loyalty_member THEN 'LOYAL' ELSE 'NON_LOYAL' END)""").fetchone()[0]
    assert mismatches == 0
    assert con.execute("SELECT COUNT(*) FROM customer_segments").fetchone()[0] == \
        con.execute("SELECT COUNT(*) FROM customers").fetchone()[0]


def test_unique_segment_profiles_has_one_row_per_review(con) -> None:
    reviews = con.execute("SELECT COUNT(*) FROM multimodal_customer_reviews").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM unique_segment_profiles").fetchone()[0] == reviews


def test_negative_customers_are_those_with_a_negative_or_neutral_review(con) -> None:
    expected = {r[0] for r in con.execute(
        "SELECT DISTINCT customer_id FROM multimodal_customer_reviews "
        "WHERE text_sentiment IN ('negative', 'neutral')").fetchall()}
    listed = frame(con, "SELECT * FROM negative_customers")
    assert set(listed["customer_id"]) == expected
    assert ((listed["negative_reviews"] + listed["neutral_reviews"]) > 0).all()


def test_persona_segments_sum_up(con) -> None:
    segments = frame(con, "SELECT * FROM persona_segments")
    assert len(segments) == 12
    assert segments["customers"].sum() == 2_000
    assert segments["share_of_customers"].sum() == pytest.approx(1.0)
    mix = segments[["positive_share", "neutral_share", "negative_share"]].sum(axis=1)
    assert mix.to_numpy() == pytest.approx(1.0)
    assert segments["negative_customers"].sum() == \
        con.execute("SELECT COUNT(*) FROM negative_customers").fetchone()[0]
    assert segments["top_cities"].str.count(",").eq(2).all()


def test_top_products_follow_the_labs_row_number_ranking(con) -> None:
    recount = frame(con, """
        SELECT s.persona_age_group_profile AS segment, o.product_id,
               ROW_NUMBER() OVER (PARTITION BY s.persona_age_group_profile
                                  ORDER BY COUNT(*) DESC, COUNT(DISTINCT o.customer_id) DESC,
                                           o.product_id) AS rn
        FROM orders o JOIN customer_segments s USING (customer_id)
        WHERE o.status != 'Cancelled' GROUP BY 1, 2 QUALIFY rn <= 5""")
    stored = frame(con, "SELECT persona_age_group_profile AS segment, product_id, rank AS rn, "
                        "title, basis FROM segment_top_products WHERE rank <= 5")
    merged = recount.merge(stored, on=["segment", "rn"], suffixes=("", "_stored"))
    assert len(merged) == 60
    assert (merged["product_id"] == merged["product_id_stored"]).all()
    assert stored["title"].notna().all() and set(stored["basis"]) == {"orders"}
    cities = frame(con, "SELECT address_city, COUNT(*) AS n FROM city_top_products GROUP BY 1")
    assert len(cities) == 18 and (cities["n"] == Settings().top_products_depth).all()


def test_recommendations_skip_what_was_bought_or_reviewed(con) -> None:
    for table, method in (("final_personalized_recommendations", "lab_rule"),
                          ("blended_recommendations", "segment_city_blend")):
        recs = frame(con, f"SELECT * FROM {table}")
        assert set(recs["method"]) == {method}
        assert len(recs) == con.execute("SELECT COUNT(*) FROM negative_customers").fetchone()[0]
        assert recs[["product1", "product2", "product3"]].notna().all().all()
        picks = recs.melt(id_vars=["customer_id"], value_vars=["product1", "product2", "product3"])
        assert not picks.duplicated(["customer_id", "value"]).any()
        clashes = con.execute(f"""
            WITH picks AS (
              SELECT customer_id, CAST(p AS BIGINT) AS product_id
              FROM {table}, UNNEST([product1, product2, product3]) AS t(p))
            SELECT COUNT(*) FROM picks p WHERE EXISTS (
              SELECT 1 FROM orders o WHERE o.customer_id = p.customer_id
                AND o.product_id = p.product_id AND o.status != 'Cancelled')
              OR EXISTS (SELECT 1 FROM customer_reviews r WHERE r.customer_id = p.customer_id
                AND r.product_id = p.product_id)""").fetchone()[0]
        assert clashes == 0, table


def test_lab_rule_recommendations_start_with_the_segment_favourites(con) -> None:
    first = frame(con, """
        SELECT f.customer_id, f.product1, s.product_id AS top1
        FROM final_personalized_recommendations f
        JOIN segment_top_products s ON s.persona_age_group_profile = f.segment AND s.rank = 1
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id
                          AND o.product_id = s.product_id AND o.status != 'Cancelled')
          AND NOT EXISTS (SELECT 1 FROM customer_reviews r WHERE r.customer_id = f.customer_id
                          AND r.product_id = s.product_id)""")
    assert len(first) > 0
    assert (first["product1"].astype(int) == first["top1"]).all()


def test_hit_rate_evaluation_is_reported(con) -> None:
    evaluation = frame(con, "SELECT * FROM recommendation_evaluation ORDER BY method")
    assert list(evaluation["method"]) == ["lab_rule", "segment_city_blend"]
    assert (evaluation["status"] == "evaluated").all()
    repeaters = con.execute("""
        SELECT COUNT(*) FROM (SELECT customer_id FROM orders WHERE status != 'Cancelled'
        GROUP BY customer_id HAVING COUNT(DISTINCT order_id) >= 2)""").fetchone()[0]
    assert (evaluation["customers_evaluated"] == repeaters).all()
    assert evaluation["hit_rate"].between(0.02, 0.6).all()
    assert (evaluation["precision_at_3"] <= evaluation["hit_rate"]).all()


def test_rfm_clusters_cover_every_customer(con) -> None:
    clusters = frame(con, "SELECT * FROM rfm_clusters ORDER BY cluster_id")
    assert list(clusters["cluster_id"]) == [0, 1, 2, 3, 4, 5]
    assert clusters["customers"].sum() == 2_000
    assert clusters["cluster_name"].is_unique
    assert clusters["silhouette"].nunique() == 1 and 0 < clusters["silhouette"].iloc[0] < 1
    assert set(clusters["basis"]) == {"orders"} and (clusters["k"] == 5).all()
    sizes = frame(con, "SELECT cluster_id, COUNT(*) AS n FROM customer_rfm GROUP BY 1 "
                       "ORDER BY 1")
    assert list(sizes["n"]) == list(clusters["customers"])
    buyers = con.execute("SELECT COUNT(DISTINCT customer_id) FROM orders "
                         "WHERE status IN ('Complete', 'Shipped')").fetchone()[0]
    assert clusters.loc[clusters["cluster_id"] > 0, "customers"].sum() == buyers


def test_personas_exist_in_both_languages(con) -> None:
    personas = frame(con, "SELECT * FROM customer_persona_definitions")
    assert len(personas) == 24 and set(personas["source"]) == {"default"}
    assert personas.groupby("language").size().to_dict() == {"en": 12, "ko": 12}
    korean = personas[personas["language"] == "ko"]["persona_segment_description"]
    assert korean.str.contains(r"[\uac00-\ud7a3]").all()


def test_setup_again_skips_the_segment_steps(built_data_dir: Path) -> None:
    results = run_setup(Settings(data_dir=built_data_dir, model="offline"),
                        SetupOptions(scale=SMALL_SCALE))
    by_name = {r.name: r for r in results}
    for step in ("segments", "personas", "rfm", "recommendations"):
        assert by_name[step].skipped, step
    assert "silhouette" in by_name["rfm"].summary
    assert "hit rate" in by_name["recommendations"].summary
