"""Issue 17, item 2: every answer names its measure, filters and thresholds, so a count is
never read as a share, the review rating is never confused with the store's, and a minimum
number of reviews is said, not applied silently."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_ui import ask

pytestmark = pytest.mark.slow


def test_a_count_by_city_is_not_called_a_share(page, settings):
    ask(page, "Which cities have the most negative reviews?")
    chat = page.locator("#chat")
    chat.get_by_text(re.compile(r"Most reviews: \w+ \([\d,]+\)")).first.wait_for()
    chat.get_by_text("Read as: reviews · by city · where negative").first.wait_for()
    assert "share" not in chat.inner_text().lower()


def test_the_review_rating_is_named_as_our_customers(page, settings):
    ask(page, "What's the avg rating per product category")
    page.locator("#chat").get_by_text(
        re.compile(r"average review rating \(our customers' reviews\)")).first.wait_for()


def test_a_minimum_number_of_reviews_is_said(page, settings):
    ask(page, "Which products get the worst reviews?")
    page.locator("#chat").get_by_text(
        re.compile(r"among products with at least \d+ reviews")).first.wait_for()
    page.locator("#result-table th").first.wait_for()
    screenshot(page, "issue17-item2-after")
