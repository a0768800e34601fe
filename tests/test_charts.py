"""Which chart a query result gets (the shapes the offline model's answers take), and the
figure built from it: titled with its measure, in the question's language."""

from __future__ import annotations

from typing import Any

import pytest

from ui.charts import build_figure, chart_spec, wants_chart, wrap_label
from ui.result_columns import result_columns

CITIES = [["Seoul", 839], ["Busan", 611], ["Goyang", 583], ["Incheon", 578]]
SENTIMENT_BY_MONTH = [["2025-01", 23, 6, 5], ["2025-02", 63, 44, 12], ["2025-03", 119, 76, 34]]


def spec_of(columns: list[str], rows: list[list[Any]], lang: str = "en", asked: bool = False):
    return chart_spec(result_columns(columns, rows, lang), rows, lang, asked)


@pytest.mark.parametrize(("columns", "rows", "kind", "title"), [
    (["address_city", "customers"], CITIES, "bar", "Customers by city"),
    (["categories", "avg_review_rating", "reviews"],
     [["[Office]", 3.5, 187], ["[Drinkware]", 3.43, 361], ["[Bags]", 3.14, 297]],
     "bar", "Avg. rating by category"),
    (["persona_age_group_profile", "unhappy_customers"],
     [["Older_Adult_FEMALE_LOYAL", 131], ["Older_Adult_OTHER_LOYAL", 129],
      ["Younger_Adult_MALE_LOYAL", 109]], "bar", "Unhappy customers by segment"),
    (["address_city", "share_pct"], [["Busan", 51.55], ["Changwon", 49.49], ["Jeju", 40.1]],
     "bar", "Share by city"),
    (["month", "reviews"], [["2025-01", 34], ["2025-02", 119], ["2025-03", 229]],
     "line", "Reviews by month"),
    (["month", "positive", "negative", "neutral"], SENTIMENT_BY_MONTH, "share",
     "Review sentiment mix by month"),
    (["persona_age_group_profile", "positive", "negative", "neutral"],
     [["Older_Adult_FEMALE_LOYAL", 194, 115, 38], ["Older_Adult_OTHER_LOYAL", 209, 108, 46],
      ["Younger_Adult_MALE_LOYAL", 196, 84, 39]], "share", "Review sentiment mix by segment"),
    (["address_city", "gender", "customers"],
     [["Seoul", "Male", 280], ["Seoul", "Female", 283], ["Busan", "Male", 200],
      ["Busan", "Female", 216]], "stacked_bar", "Customers by city and gender"),
    (["address_city", "gender", "avg_order_value"],  # averages side by side, never summed
     [["Busan", "Female", 121565], ["Busan", "Male", 110000], ["Gumi", "Female", 121444],
      ["Gumi", "Male", 100000]], "grouped_bar", "Avg. order value by city and gender"),
    (["month", "gender", "avg_rating"],
     [["2025-01", "Male", 3.1], ["2025-01", "Female", 3.3], ["2025-02", "Male", 3.2],
      ["2025-02", "Female", 3.4]], "line", "Avg. rating by month and gender"),
    (["rating", "reviews"], [[5, 922], [4, 715], [3, 400], [2, 380], [1, 578]], "bar",
     "Reviews by rating"),
    (["product_key", "title", "reviews"],
     [["31127", "Google Laptop Backpack Green", 70], ["46226", "Chrome Dino Beanie", 62],
      ["1", "Google Nest Hub Charcoal", 50]], "bar", "Reviews by product"),
    (["title", "purchases", "units"],
     [["Chrome Dino Youth Tee", 1025, 1239], ["Google Laptop Backpack Green", 1006, 1226],
      ["Google Nest Hub", 900, 1000]], "grouped_bar", "Purchases / Units by product"),
])
def test_comparisons_distributions_and_trends_get_a_chart(columns: list[str],
                                                          rows: list[list[Any]], kind: str,
                                                          title: str) -> None:
    spec = spec_of(columns, rows)
    assert spec is not None and (spec.kind, spec.title) == (kind, title)


@pytest.mark.parametrize(("columns", "rows"), [
    (["customers"], [[10000]]),  # one number
    (["address_city", "customers"], [["Seoul", 839]]),  # one row
    (["address_city", "customers"], [["Seoul", 839], ["Busan", 611]]),  # a leader and runner-up
    (["customer_id", "first_name", "last_name", "age", "gender"],
     [[1074, "Daniel", "Yates", 58, "Male"], [1075, "Avery", "Miller", 22, "Other"],
      [1076, "Kim", "Lee", 30, "Female"]]),  # a list of people
    (["order_datetime", "title", "quantity", "sale_price", "status"],
     [["2025-09-11T11:20:55", "Hat", 1, 33200.0, "Complete"],
      ["2025-08-01T10:00:00", "Mug", 2, 9000.0, "Complete"],
      ["2025-07-01T09:00:00", "Tee", 1, 20000.0, "Returned"]]),  # a customer's orders
    (["address_city", "title", "purchases"],
     [["Busan", "Hoodie", 131], ["Changwon", "Tee", 78], ["Seoul", "Mug", 90]]),  # top per city
    (["customer", "reviews"], [[3343, 7], [7860, 7], [1001, 6]]),  # ids, no category
])
def test_a_table_says_it_better(columns: list[str], rows: list[list[Any]]) -> None:
    assert spec_of(columns, rows) is None


def test_two_rows_are_charted_when_a_comparison_is_asked_for() -> None:
    question = "Compare loyal vs non-loyal customers in Gwangju"
    assert wants_chart(question) and not wants_chart("How many customers live in Busan?")
    spec = spec_of(["loyalty_status", "customers"], [["LOYAL", 252], ["NON_LOYAL", 260]],
                   asked=True)
    assert spec is not None and spec.kind == "bar"


def test_titles_follow_the_question_language() -> None:
    spec = spec_of(["address_city", "customers"], CITIES, lang="ko")
    assert spec is not None and spec.title == "도시별 고객 수"
    mix = spec_of(["month", "positive", "negative", "neutral"], SENTIMENT_BY_MONTH, lang="ko")
    assert mix is not None and mix.title == "월별 리뷰 감성 구성"


def test_many_or_long_categories_lie_on_their_side() -> None:
    many = [[f"City {i}", i] for i in range(12)]
    assert spec_of(["address_city", "customers"], many).horizontal
    assert not spec_of(["address_city", "customers"], CITIES).horizontal
    assert wrap_label("Older customers of another gender not in the loyalty programme") == (
        "Older customers of<br>another gender not in<br>the loyalty programme")


def test_the_figure_names_values_as_the_table_does() -> None:
    rows = [["[Office]", 3.5, 187], ["[Drinkware]", 3.43, 361], ["[Bags]", 3.14, 297]]
    columns = result_columns(["categories", "avg_review_rating", "reviews"], rows, "en")
    spec = chart_spec(columns, rows, "en")
    figure = build_figure(spec, columns, rows, "en")
    assert figure.layout.title.text == "Avg. rating by category"
    bar = figure.data[0]
    assert list(bar.x) == ["Office", "Drinkware", "Bags"]
    assert list(bar.text) == ["3.50", "3.43", "3.14"]
    assert list(figure.layout.yaxis.range) == [0, 5.4]  # the whole star scale


def test_a_stacked_share_adds_up_to_one_hundred_per_cent() -> None:
    columns = result_columns(["month", "positive", "negative", "neutral"], SENTIMENT_BY_MONTH,
                             "en")
    spec = chart_spec(columns, SENTIMENT_BY_MONTH, "en")
    figure = build_figure(spec, columns, SENTIMENT_BY_MONTH, "en")
    assert [trace.name for trace in figure.data] == ["Positive", "Negative", "Neutral"]
    assert figure.layout.barmode == "stack"
    for month in range(len(SENTIMENT_BY_MONTH)):
        assert sum(trace.y[month] for trace in figure.data) == pytest.approx(100)
    assert "23" in figure.data[0].customdata[0]  # the hover keeps the count


def test_the_same_result_always_gives_the_same_figure() -> None:
    columns = result_columns(["address_city", "customers"], CITIES, "en")
    spec = chart_spec(columns, CITIES, "en")
    assert build_figure(spec, columns, CITIES).to_json() == \
        build_figure(spec, columns, CITIES).to_json()


def test_a_split_chart_keeps_every_series_of_the_groups_it_shows() -> None:
    """54 rows of 18 cities by 3 genders, sorted by value (women first): the chart shows
    each city with all three genders, never the first 30 rows' partial groups."""
    cities = [f"City{i:02d}" for i in range(18)]
    rows = sorted(([c, g, 100_000 + 1_000 * i + 500 * (g == "Female")]
                   for i, c in enumerate(cities) for g in ("Female", "Male", "Other")),
                  key=lambda r: (r[1] != "Female", -r[2]))
    columns = result_columns(["address_city", "gender", "avg_order_value"], rows, "en")
    spec = chart_spec(columns, rows, "en")
    figure = build_figure(spec, columns, rows, "en")
    assert spec.kind == "grouped_bar" and len(figure.data) == 3
    assert all(len(trace.x) == 18 for trace in figure.data)
