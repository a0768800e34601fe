"""The segment, customer 360 and recommendation tools on the shared small warehouse."""

from __future__ import annotations

import json

import pytest

from tools.customers.lookup import closest_ids, find_customer
from tools.customers.pii import mask_email
from tools.customers.tools import lookup_customer, recommend_products
from tools.registry import agent_tools
from tools.results import Table
from tools.segments.tools import describe_segment, list_segments
from tools.warehouse import get_warehouse
from ui.segment_charts import chart_for, persona_segment_figure, rfm_cluster_figure


def first_negative_customer() -> int:
    result = get_warehouse().run_query(
        "SELECT customer_id FROM negative_customers ORDER BY customer_id LIMIT 1")
    return int(result.rows[0][0])


def test_tools_are_registered() -> None:
    names = {tool.__name__ for tool in agent_tools()}
    assert {"list_segments", "describe_segment", "lookup_customer",
            "recommend_products"} <= names


def test_list_persona_segments_and_clusters(settings) -> None:
    personas = list_segments()
    assert personas["kind"] == "persona" and len(personas["rows"]) == 12
    assert personas["columns"][:2] == ["segment", "name"]
    assert personas["total_customers"] == 2_000
    assert personas["summary"] == "12 persona segments · 2,000 customers"
    both = list_segments("all", language="ko")
    clusters = both["rfm_clusters"]
    assert [row[0] for row in clusters["rows"]] == [0, 1, 2, 3, 4, 5]
    assert 0 < clusters["silhouette"] < 1 and clusters["basis"] == "orders"
    assert any("큰손" in row[1] or "챔피언" in row[1] for row in clusters["rows"])
    assert list_segments("galaxies")["error"] == "unknown_kind"


@pytest.mark.parametrize("name", ["young loyal women", "젊은 여성 로열 고객",
                                  "Younger_Adult_FEMALE_LOYAL", "younger adult female loyal"])
def test_describe_persona_segment_any_spelling(settings, name: str) -> None:
    result = describe_segment(name)
    assert result["kind"] == "persona"
    assert result["segment"] == "Younger_Adult_FEMALE_LOYAL"
    korean = name.startswith("젊은")
    assert result["language"] == ("ko" if korean else "en")
    assert result["name"] == ("젊은 여성 로열 고객" if korean else "Young loyal women")
    assert result["persona"]["marketing_pitch"]
    assert result["figures"]["customers"] > 0
    assert result["columns"][:3] == ["rank", "product_id", "title"] and result["rows"]
    assert sum(m["customers"] for m in result["rfm_mix"]) == result["figures"]["customers"]


def test_describe_cluster_by_name_in_english_or_korean(settings) -> None:
    clusters = {row[1]: row[0] for row in list_segments("rfm")["rows"]}
    name = next(n for n in clusters if n != "no purchases yet")
    result = describe_segment(name)
    assert result["kind"] == "cluster" and result["cluster_id"] == clusters[name]
    assert result["next_step"] and result["centroid"]["avg_frequency"] > 0
    korean_name = list_segments("rfm", language="ko")["rows"][clusters[name]][1]
    korean = describe_segment(korean_name)
    assert korean["cluster_id"] == clusters[name] and korean["language"] == "ko"
    assert describe_segment(f"cluster {clusters[name]}")["cluster_id"] == clusters[name]


def test_describe_unknown_or_partial_names_gives_closest(settings) -> None:
    partial = describe_segment("young women")
    assert partial["error"] == "ambiguous_segment"
    assert partial["suggestions"] == ["Younger_Adult_FEMALE_LOYAL",
                                      "Younger_Adult_FEMALE_NON_LOYAL"]
    typo = describe_segment("Younger_Adult_FEMALE_LOYL")
    assert typo["segment"] == "Younger_Adult_FEMALE_LOYAL"
    nonsense = describe_segment("zzz")
    assert nonsense["error"] == "unknown_segment" and len(nonsense["suggestions"]) == 3


def test_customer_360(settings) -> None:
    customer_id = first_negative_customer()
    result = lookup_customer(str(customer_id))
    assert result["customer_id"] == customer_id
    assert result["segment"]["persona_age_group_profile"]
    assert result["rfm"]["cluster_name"] and result["rfm"]["next_step"]
    assert result["negative_customer"] is True
    assert sum(result["review_sentiment"].values()) == len(result["rows"]) > 0
    assert "text_sentiment" in result["columns"]
    assert len(result["recommendations"]["rows"]) == 3
    assert result["profile"]["email_masked"].startswith(result["profile"]["email_masked"][0])
    assert "***@" in result["profile"]["email_masked"]
    assert lookup_customer(f"고객 {customer_id}")["language"] == "ko"


def test_customer_360_never_contains_the_email(settings) -> None:
    customer_id = first_negative_customer()
    email = get_warehouse().run_query(
        f"SELECT email FROM customers WHERE customer_id = {customer_id}").rows[0][0]
    by_id = json.dumps(lookup_customer(str(customer_id)), ensure_ascii=False)
    by_email = json.dumps(lookup_customer(email), ensure_ascii=False)
    assert email not in by_id and email not in by_email
    assert json.loads(by_email)["customer_id"] == customer_id
    assert mask_email("minji.kim@example.com") == "m***@example.com"


def test_unknown_customer_gets_closest_ids(settings) -> None:
    result = lookup_customer("99999")
    assert result["error"] == "unknown_customer"
    assert result["suggestions"] == [3000, 2999, 2998]  # ids run 1001..3000
    typo = closest_ids(10042)  # one digit too many: 1042 first
    assert typo[0] == 1042
    assert find_customer("1O42")[0] == 1042  # letter O for zero
    assert lookup_customer("Nobody Atall")["error"] == "unknown_customer"


def test_customer_by_name(settings) -> None:
    first, last = get_warehouse().run_query(
        "SELECT first_name, last_name FROM customers WHERE customer_id = 1042").rows[0]
    customer_id, problem = find_customer(f"{first} {last}")
    assert customer_id == 1042 or problem["error"] == "ambiguous_customer"
    if problem:
        assert 1042 in problem["suggestions"]


def test_recommend_for_a_customer_by_each_method(settings) -> None:
    customer_id = first_negative_customer()
    stored = {}
    for table in ("final_personalized_recommendations", "blended_recommendations"):
        row = get_warehouse().run_query(
            f"SELECT product1, product2, product3 FROM {table} WHERE customer_id = {customer_id}")
        stored[table] = [int(p) for p in row.rows[0]]
    lab = recommend_products(str(customer_id), method="lab_rule")
    blend = recommend_products(str(customer_id), method="segment_city_blend")
    assert [r[1] for r in lab["rows"]] == stored["final_personalized_recommendations"]
    assert [r[1] for r in blend["rows"]] == stored["blended_recommendations"]
    assert lab["columns"] == ["rank", "product_id", "title", "categories", "price", "reason"]
    best = recommend_products(str(customer_id))
    rates = best["hit_rates"]
    assert best["method"] == max(rates, key=rates.get)
    assert recommend_products(str(customer_id), method="magic")["error"] == "unknown_method"


def test_recommend_for_a_segment_and_city(settings) -> None:
    result = recommend_products(segment="젊은 여성 로열 고객", city="부산")
    assert result["segment"] == "Younger_Adult_FEMALE_LOYAL" and result["city"] == "Busan"
    assert len(result["rows"]) == 3 and "부산" in result["rows"][0][5]
    assert result["summary"] == "추천 상품: 젊은 여성 로열 고객, 부산"
    assert recommend_products(segment="older loyal men")["method"] == "segment_top"
    assert recommend_products(city="Jeju")["method"] == "city_top"
    assert recommend_products(city="Atlantis")["error"] == "unknown_city"
    assert recommend_products(segment="young women")["error"] == "unknown_segment"
    assert recommend_products()["error"] == "missing_argument"


def test_tools_report_a_missing_warehouse_as_data(tmp_path, monkeypatch) -> None:
    from tests.conftest import reset_caches

    monkeypatch.setenv("CYMBAL_DATA_DIR", str(tmp_path / "nothing"))
    reset_caches()
    try:
        for result in (list_segments(), describe_segment("champions"),
                       lookup_customer("1001"), recommend_products("1001")):
            assert result["error"] == "not_built" and "cymbal setup" in result["hint"]
    finally:
        reset_caches()


def test_charts_are_deterministic(settings) -> None:
    clusters = Table.from_response(list_segments("rfm"))
    one, two = rfm_cluster_figure(clusters), rfm_cluster_figure(clusters)
    assert one.to_json() == two.to_json()
    assert len(one.data[0].x) == 5  # cluster 0 has no position; it is in the subtitle
    assert "no purchases yet" in one.layout.title.text
    personas = Table.from_response(list_segments())
    assert chart_for(personas).to_json() == persona_segment_figure(personas).to_json()
    assert chart_for(Table(columns=[], rows=[])) is None
