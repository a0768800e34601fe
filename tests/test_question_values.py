"""Recognising values in questions (value index, mentions, date ranges) and narrowing a
query by them (SQL filters), on the generated warehouse."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tools.sql.filters import add_filters, parse, render, set_limit
from tools.sql.knowledge import sample_by_id
from tools.sql.mentions import MentionFinder
from tools.sql.periods import find_periods
from tools.sql.value_index import index_path, load_index
from tools.warehouse import get_warehouse

ANCHOR = dt.date(2025, 12, 31)


def periods(text: str) -> list[tuple[str | None, str | None]]:
    return [(m.value.start, m.value.end) for m in find_periods(text, ANCHOR)]


@pytest.mark.parametrize("text, expected", [
    ("reviews last month", [("2025-11-01", "2025-12-01")]),
    ("지난달 매출", [("2025-11-01", "2025-12-01")]),
    ("2025년 5월 리뷰", [("2025-05-01", "2025-06-01")]),
    ("revenue in May", [("2025-05-01", "2025-06-01")]),
    ("May I see it?", []),
    ("최근 30일 주문", [("2025-12-01", "2026-01-01")]),
    ("in the last 7 days", [("2025-12-24", "2026-01-01")]),
    ("sales in Q3", [("2025-07-01", "2025-10-01")]),
    ("3월부터 5월까지", [("2025-03-01", "2025-06-01")]),
    ("between March and May", [("2025-03-01", "2025-06-01")]),
    ("작년 4분기", [("2024-10-01", "2025-01-01")]),
    ("the first half of 2025", [("2025-01-01", "2025-07-01")]),
    ("next month", [("2026-01-01", "2026-02-01")]),
    ("12개월 동안", []),
])
def test_date_ranges_count_from_the_latest_data_date(text, expected):
    assert periods(text) == expected


@pytest.fixture()
def finder(settings) -> MentionFinder:
    return MentionFinder(load_index(settings))


def test_value_index_is_built_by_setup(settings):
    data = json.loads(index_path(settings).read_text(encoding="utf-8"))
    index = load_index(settings)
    assert len(index.values["city"]) == 18 and "Busan" in index.values["city"]
    assert len(index.values["segment"]) == 12 and len(index.values["product"]) > 400
    assert index.customer_ids["min"] == 1001 and index.customer_ids["count"] == 2000
    latest = get_warehouse().run_query("SELECT MAX(review_datetime) FROM cymbal.customer_reviews")
    assert data["anchor_date"] >= str(latest.rows[0][0])[:10]


@pytest.mark.parametrize("text, expected", [
    ("부산 고객 수", [("city", "Busan")]),
    ("customers in Seoul에서", [("city", "Seoul")]),
    ("top 5 products for young loyal women",
     [("top_n", "5"), ("age_group", "Younger_Adult"), ("loyalty", "TRUE"), ("gender", "Female")]),
    ("non-loyal men over 50", [("loyalty", "FALSE"), ("gender", "Male"), ("age", "51..")]),
    ("30대 여성", [("age", "30..39"), ("gender", "Female")]),
    ("1-2 star reviews on Instagram", [("rating", "1..2"), ("social_media_source", "Instagram")]),
    ("3점 이하 리뷰", [("rating", "..3")]),
    ("customers with more than 3 orders", [("at_least", "4")]),
    ("주문 5건 이상", [("at_least", "5")]),
    ("products under 20,000 won", [("price", "..19999")]),
    ("show customer 1005", [("customer_id", "1005")]),
    ("show customer 99999", [("customer_id", "99999")]),  # named an id: the tools say none
    ("reviews #99999", [("number", "99999")]),  # a bare number outside the id range
    ("status of order #99999", [("order_id", "99999")]),
    ("1042번 고객", [("customer_id", "1042")]),
    ("고객 500명", [("number", "500")]),
    ("approve campaign 3", [("campaign_id", "3")]),
    ("3번 캠페인 보여줘", [("campaign_id", "3")]),
    ("이탈한 큰손 고객", [("rfm_cluster", "lapsed big spenders")]),
    ("Google Laptop Backpack Green price", [("product", "Google Laptop Backpack Green")]),
    ("Younger_Adult_FEMALE_LOYAL segment", [("segment", "Younger_Adult_FEMALE_LOYAL")]),
    ("out of stock drinkware", [("availability", "OUT_OF_STOCK"), ("category", "[Drinkware]")]),
    ("네이버 카페 리뷰", [("social_media_source", "Naver Cafe")]),
    ("reviews posted on X", [("social_media_source", "X")]),
])
def test_mentions_are_typed_values(finder, text, expected):
    assert [(m.type, m.value.value) for m in finder.find(text)] == expected


def test_filters_narrow_any_query_and_share_one_subquery(settings, finder):
    catalog = get_warehouse().catalog()
    tree = parse(sample_by_id("reviews_by_source").render_sql())
    mentions = finder.find("5월 서울 여성 고객")
    assert add_filters(tree, [(m.type, m.value) for m in mentions], catalog) == [True] * 3
    sql = render(tree)
    assert sql.count("IN (") == 1 and "address_city = 'Seoul'" in sql
    narrowed = get_warehouse().run_query(sql)
    expected = get_warehouse().run_query(
        "SELECT r.social_media_source, COUNT(*) FROM cymbal.customer_reviews AS r "
        "JOIN cymbal.customers AS c ON c.customer_id = r.customer_id "
        "WHERE c.address_city = 'Seoul' AND c.gender = 'Female' "
        "AND r.review_datetime >= '2025-05-01' AND r.review_datetime < '2025-06-01' "
        "GROUP BY 1")
    assert sorted(map(tuple, narrowed.rows)) == sorted(map(tuple, expected.rows))


def test_filters_leave_the_date_anchor_alone(settings, finder):
    catalog = get_warehouse().catalog()
    tree = parse(sample_by_id("reviews_last_30_days").render_sql())
    add_filters(tree, [(m.type, m.value) for m in finder.find("Instagram")], catalog)
    sql = render(tree)
    anchor = sql.split(")", 1)[0]
    assert "Instagram" not in anchor and "Instagram" in sql


def test_a_value_no_table_carries_is_not_applied(settings, finder):
    catalog = get_warehouse().catalog()
    tree = parse(sample_by_id("products_by_category").render_sql())
    mention = finder.find("on Instagram")[0]
    assert add_filters(tree, [(mention.type, mention.value)], catalog) == [False]


def test_top_n_limits_only_ordered_queries():
    ordered = parse(sample_by_id("customers_by_city").render_sql())
    assert set_limit(ordered, 3) and render(ordered).rstrip().endswith("LIMIT 3")
    assert not set_limit(parse(sample_by_id("customers_total").render_sql()), 3)
