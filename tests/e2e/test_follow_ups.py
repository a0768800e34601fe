"""Issue 17, item 8: an answer leads with what the result says, then the key numbers; 2–3
follow-up questions show as chips under every answer, and a click asks one (the decline's
suggestions too). Item 6: no stored code or query summary in the chat."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_ui import ask, last_answer
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow
CHIPS = "#chat .options button.option"


def chips(page) -> list[str]:  # noqa: ANN001 - playwright page
    """The follow-up chips under the last answer, once they are there."""
    page.locator(CHIPS).nth(1).wait_for()
    return page.locator(CHIPS).all_inner_texts()


def test_an_answer_leads_with_the_insight_and_offers_follow_ups_to_click(page, settings):
    top, customers = get_warehouse().run_query(
        "SELECT address_city, COUNT(*) AS n FROM customers GROUP BY address_city "
        "ORDER BY n DESC, address_city LIMIT 1").rows[0]
    ask(page, "How many customers do we have in each city?")
    page.locator("#chat").get_by_text(
        re.compile(rf"Most customers: {top} \({customers:,}\), then .*; 18 cities in all")
    ).first.wait_for()
    offered = chips(page)
    assert 2 <= len(offered) <= 3
    assert "Customers by city and gender" in offered
    chat = page.locator("#chat").inner_text()
    assert "rows x" not in chat and "first row" not in chat  # the tool box counts rows
    page.locator("#result-chart .gtitle").first.wait_for()  # the whole panel, for the picture
    screenshot(page, "issue17-item8-after")

    page.locator(CHIPS).get_by_text("Customers by city and gender").click()
    page.locator("#chat").get_by_text("Read as: customers · by city, gender").wait_for()
    page.locator("#result-table th").get_by_text("Gender", exact=True).wait_for()
    chips(page)  # the new answer has its own
    screenshot(page, "issue17-item8-after-chip-asked")


def test_a_trend_answer_says_where_it_peaked(page, settings):
    ask(page, "Show the monthly trend of review sentiment")
    page.locator("#chat").get_by_text(re.compile(r"Negative share peaked in \d{4}-\d{2} at "
                                                 r"[\d.]+%")).first.wait_for()
    assert "12 rows" not in last_answer(page)  # the tool box may say so; the answer does not
    assert len(chips(page)) >= 2
    page.locator("#result-chart .js-plotly-plot").first.wait_for()  # drawn, for the picture
    screenshot(page, "issue17-item8-after-trend")


def test_segment_answers_name_the_segment_not_its_code(page, settings):
    ask(page, "Which segment generates the most revenue?")
    page.locator("#chat").get_by_text(re.compile(r"Highest revenue: (Young|Older) ")).wait_for()
    chips(page)
    chat = page.locator("#chat").inner_text()
    assert not re.search(r"(Younger|Older)_Adult|\[[A-Z][a-z]", chat)


def test_decline_suggestions_are_chips_that_ask(page, settings):
    ask(page, "What will the weather be in Seoul tomorrow?")
    page.locator("#chat ol li").nth(2).wait_for()
    listed = page.locator("#chat ol li").all_inner_texts()
    offered = chips(page)
    assert len(offered) == 3  # each chip is the question listed (the list's last item runs on)
    assert all(item.startswith(chip) for chip, item in zip(offered, listed, strict=False))
    page.locator(CHIPS).first.click()
    page.get_by_text("Ran a SQL query").first.wait_for()  # the suggestion was answered
    screenshot(page, "issue17-item8-after-decline-chip")
