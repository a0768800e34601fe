"""Issue 17, item 7: a customer 360 shows as a card in the Result panel — profile, persona
segment and RFM cluster, orders (totals and the latest lines), reviews, recommendations —
never as an empty reviews table, and never with the customer's address unmasked."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_ui import ask
from tools.customers.pii import mask_email
from tools.vocabulary.segments import display_name
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow


def one(sql: str) -> list:
    return get_warehouse().run_query(sql).rows[0]


def card_shown(page, customer: int):  # noqa: ANN001, ANN201 - playwright types
    card = page.locator(f"#result-customer .customer-card[data-customer-id='{customer}']")
    card.wait_for()
    return card


def test_customer_360_is_a_card_with_orders_reviews_and_recommendations(page, settings):
    customer = one("SELECT customer_id FROM customer_reviews WHERE customer_id IN "
                   "(SELECT customer_id FROM orders) GROUP BY customer_id "
                   "ORDER BY COUNT(*) DESC, customer_id LIMIT 1")[0]
    reviews = one(f"SELECT COUNT(*) FROM customer_reviews WHERE customer_id = {customer}")[0]
    first, last, email = one(f"SELECT first_name, last_name, email FROM customers "
                             f"WHERE customer_id = {customer}")
    segment = one(f"SELECT persona_age_group_profile FROM customer_segments "
                  f"WHERE customer_id = {customer}")[0]
    cluster = one(f"SELECT cluster_name FROM customer_rfm WHERE customer_id = {customer}")[0]
    orders, lines = one(f"SELECT COUNT(DISTINCT order_id), COUNT(*) FROM orders "
                        f"WHERE customer_id = {customer}")

    ask(page, f"look up customer {customer}")
    card = card_shown(page, customer)
    text = card.inner_text()
    assert f"{first} {last}" in text and mask_email(email) in text
    assert email not in page.content()
    assert display_name(segment, "en") in text and segment not in text  # no segment code
    assert cluster in text
    stats = card.locator(".customer-stat")
    assert stats.filter(has_text="Orders").locator("b").inner_text() == f"{orders:,}"
    assert card.locator(".customer-table tbody tr").count() == min(5, lines)
    assert card.locator(".customer-table th").all_inner_texts() == [
        "Ordered", "Product", "Quantity", "Sale price", "Status"]
    assert card.locator(".customer-reviews .review-card").count() == reviews
    assert card.locator(".customer-reviews .stars").first.inner_text().count("★") >= 1
    assert card.locator(".customer-picks li").count() == 3
    assert "[" not in text  # categories by their names, not [Bags]
    assert not page.locator("#result-table").is_visible()  # the card, not a reviews grid
    page.locator("#download-csv").wait_for()  # the reviews, to download
    screenshot(page, "issue17-item7-after")

    ask(page, f"고객 {customer} 정보 보여줘")
    page.locator("#result-customer h4").get_by_text("주문", exact=True).wait_for()
    korean = card_shown(page, customer).inner_text()
    assert display_name(segment, "ko") in korean and "리뷰" in korean
    screenshot(page, "issue17-item7-after-korean")


def test_a_customer_without_reviews_gets_a_card_not_an_empty_table(page, settings):
    customer = one("SELECT c.customer_id FROM customers AS c WHERE c.customer_id NOT IN "
                   "(SELECT customer_id FROM customer_reviews) AND c.customer_id IN "
                   "(SELECT customer_id FROM orders) ORDER BY c.customer_id LIMIT 1")[0]
    ask(page, f"look up customer {customer}")
    card = card_shown(page, customer)
    card.locator(".customer-reviews").get_by_text("No reviews yet.").wait_for()
    assert card.locator(".customer-table tbody tr").count() >= 1
    assert not page.locator("#result-table").is_visible()
    assert not page.locator("#download-csv").is_visible()
    screenshot(page, "issue17-item7-after-no-reviews")
