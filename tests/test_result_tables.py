"""Result tables as the chat UI shows them: column labels (knowledge/columns.yaml), kinds,
cell texts, the key column first and widths that fit."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.results import Table
from tools.sql.value_labels import value_label
from tools.vocabulary.columns import column_meaning
from ui.result_columns import cell_text, result_columns
from ui.table_view import (
    FIT_PX,
    column_width,
    header_css,
    header_width,
    key_first,
    table_view,
    width_settings,
)


@pytest.mark.parametrize(("name", "en", "ko", "kind"), [
    ("address_city", "City", "도시", "category"),
    ("customers", "Customers", "고객 수", "count"),
    ("avg_review_rating", "Avg. rating", "평균 별점", "rating"),
    ("persona_age_group_profile", "Segment", "세그먼트", "category"),
    ("customer_id", "Customer ID", "고객 번호", "id"),
    ("revenue", "Revenue", "매출", "money"),
])
def test_listed_columns_have_labels_in_both_languages(name: str, en: str, ko: str,
                                                      kind: str) -> None:
    meaning = column_meaning(name)
    assert (meaning.label("en"), meaning.label("ko"), meaning.kind) == (en, ko, kind)


@pytest.mark.parametrize(("name", "en", "ko", "kind"), [
    ("pct_female", "Women %", "여성 비율", "percent"),
    ("apparel_revenue_pct", "Apparel revenue %", "의류 매출 비율", "percent"),
    ("avg_basket_value", "Avg. basket value", "Avg. basket value", "money"),
    ("total_orders", "Total orders", "총 주문 수", None),
    ("segment_key", "Segment key", "Segment key", "id"),
])
def test_other_names_are_read_word_by_word(name: str, en: str, ko: str,
                                           kind: str | None) -> None:
    """A word with no Korean keeps the whole label English rather than half-translated."""
    meaning = column_meaning(name)
    assert (meaning.en, meaning.ko, meaning.kind) == (en, ko, kind)


def test_values_settle_what_the_name_does_not_tell() -> None:
    columns = result_columns(
        ["label", "total", "avg", "when", "flag", "note", "revenue"],
        [["a", 3, 1.5, "2025-03", True, "x" * 80, "n/a"],
         ["b", 4, 2.5, "2025-04", False, "y" * 80, "n/a"]], "en")
    assert [c.kind for c in columns] == ["category", "count", "number", "time", "flag", "text",
                                         "category"]  # "revenue" holding text is not money


def test_shares_are_read_as_fractions_or_percentage_points() -> None:
    fraction, points = result_columns(["negative_share", "share_pct"],
                                      [[0.25, 25.0], [0.5, 50.0]], "en")
    assert fraction.fraction and not points.fraction
    assert cell_text(fraction, 0.25, "en") == cell_text(points, 25.0, "en") == "25.0%"


@pytest.mark.parametrize(("name", "value", "lang", "shown"), [
    ("revenue", 2974199300.0, "en", "₩2,974,199,300"),
    ("customers", 10000, "en", "10,000"),
    ("customer_id", 10045, "en", "10045"),
    ("avg_rating", 3.3, "en", "3.30"),
    ("rating", 4, "en", "4"),
    ("avg_age", 43.94, "en", "43.9"),
    ("address_city", "Busan", "ko", "부산"),
    ("address_city", "Busan", "en", "Busan"),
    ("categories", "[Google Hardware]", "en", "Google Hardware"),
    ("categories", "[Bags]", "ko", "가방"),
    ("persona_age_group_profile", "Younger_Adult_FEMALE_LOYAL", "en", "Young loyal women"),
    ("issue_category", "배송문제", "en", "Delivery problem"),
    ("issue_category", "배송문제", "ko", "배송문제"),
    ("gender", "Female", "en", "Female"),
    ("gender", "Female", "ko", "여성"),
    ("availability", "OUT_OF_STOCK", "en", "Out of stock"),
    ("loyalty_member", True, "ko", "예"),
    ("order_datetime", "2025-09-11T11:20:55", "en", "2025-09-11 11:20"),
    ("review_datetime", dt.datetime(2025, 3, 4, 5, 6, 7), "en", "2025-03-04 05:06"),
    ("customers", None, "en", ""),
    ("customers", float("nan"), "en", ""),
])
def test_cells_read_as_people_write_them(name: str, value: object, lang: str,
                                         shown: str) -> None:
    column = result_columns([name], [[value]], lang)[0]
    assert cell_text(column, value, lang) == shown


def test_a_value_outside_its_vocabulary_is_shown_as_stored() -> None:
    assert value_label("city", "Atlantis", "ko") == "Atlantis"
    assert value_label("segment", "Unknown_SEGMENT", "en") == "Unknown_SEGMENT"


def test_the_key_column_comes_first() -> None:
    led_by_number = result_columns(["customers", "address_city"], [[5, "Seoul"]], "en")
    assert key_first(led_by_number) == [1, 0]
    led_by_key = result_columns(["customer_id", "first_name", "age"], [[1, "A", 30]], "en")
    assert key_first(led_by_key) == [0, 1, 2]
    reviews = result_columns(["review_datetime", "product_id", "title", "rating"],
                             [["2025-03-01 10:00", 7, "Mug", 5]], "en")
    assert key_first(reviews) == [0, 2, 3, 1]  # the product's name before its id
    clusters = result_columns(["cluster_id", "name", "customers"], [[1, "champions", 9]], "en")
    assert key_first(clusters) == [1, 2, 0]
    people = result_columns(["customer_id", "first_name", "gender"], [[1, "A", "Male"]], "en")
    assert key_first(people) == [0, 1, 2]  # a person's id stays first


def test_widths_fit_the_header_on_two_lines_at_most_and_share_the_panel() -> None:
    city, customers = result_columns(["address_city", "customers"], [["Seoul", 839]], "en")
    assert column_width(customers, ["839"]) >= len("Customers") * 8
    assert header_width("Share of customers") == len("customers")
    assert header_width("고객 수") == 4  # Korean letters are twice as wide
    settings = width_settings([city, customers], [120, 110])
    assert all(s.endswith("%") for s in settings)
    assert sum(float(s[:-1]) for s in settings) == pytest.approx(100, abs=0.5)


def test_wide_tables_narrow_their_wrapping_columns_before_they_scroll() -> None:
    columns = result_columns(["persona_age_group_profile", "positive", "negative", "neutral"],
                             [["Older_Adult_FEMALE_LOYAL", 1, 2, 3]], "en")
    assert all(s.endswith("%") for s in width_settings(columns, [240, 98, 98, 90]))
    many = result_columns([f"measure_{i}" for i in range(8)], [list(range(8))], "en")
    assert width_settings(many, [100] * 8) == ["100px"] * 8  # more than FIT_PX of numbers
    assert 8 * 100 > FIT_PX


def test_the_table_view_shows_labels_and_texts_but_keeps_values() -> None:
    table = Table(columns=["revenue", "categories"],
                  rows=[[129094000.0, "[Bags]"], [1500.5, "[Office]"]])
    view = table_view(table, "ko")
    assert list(view.styler.data.columns) == ["카테고리", "매출"]
    assert view.styler.data.iloc[0, 1] == 129094000.0  # sorting stays numeric
    rendered = view.styler.to_html()
    assert "₩129,094,000" in rendered and "가방" in rendered and "[Bags]" not in rendered
    assert view.datatypes == ["str", "number"]
    assert 'th[data-heading="1"]' in header_css(view, "result-table")
    assert 'th[data-heading="0"]' not in header_css(view, "result-table")


def test_repeated_labels_stay_apart_and_repeated_columns_show_once() -> None:
    view = table_view(Table(columns=["customer_id", "customer"], rows=[[1, 2]]), "en")
    assert list(view.styler.data.columns) == ["Customer ID", "Customer ID (customer)"]
    personas = table_view(Table(columns=["segment", "name", "customers", "negative_customers"],
                                rows=[["Older_Adult_MALE_LOYAL", "Older loyal men", 9, 9]]),
                          "en")
    assert list(personas.styler.data.columns) == ["Segment", "Customers", "Unhappy customers"]
