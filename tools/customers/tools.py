"""The customer tools: the 360 (``lookup_customer``) and ``recommend_products``.

A customer's email address never leaves this module unmasked: the 360 shows
``m***@example.com``; sending email is a separate, approved step.
"""

from __future__ import annotations

from typing import Any

from tools.customers.lookup import find_customer
from tools.customers.pii import mask_email
from tools.customers.recommendations import recommend_for_customer, recommend_for_group
from tools.results import CustomerCard, CustomerOrders, Table, failure
from tools.segments.queries import errors_as_data, pick_language
from tools.vocabulary.segments import display_name, resolve_city, resolve_name
from tools.warehouse import reads

REVIEW_COLUMNS = ["customer_review_id", "review_datetime", "product_id", "title", "rating", "text_sentiment",
                  "issue_category", "review_text"]
RECENT_ORDER_LINES = 5


def _orders(customer_id: int) -> CustomerOrders:
    """Totals, the three categories bought most and the five latest order lines."""
    summary = reads.first_row(
        f"SELECT COUNT(DISTINCT order_id) AS orders, COUNT(*) AS lines, "
        f"SUM(IF(status IN ('Complete', 'Shipped'), sale_price * quantity, 0)) AS revenue, "
        f"MIN(order_datetime) AS first_order, MAX(order_datetime) AS last_order, "
        f"COUNTIF(status = 'Returned') AS returned_lines, "
        f"COUNTIF(status = 'Cancelled') AS cancelled_lines "
        f"FROM orders WHERE customer_id = {customer_id}") or {}
    categories = reads.rows(
        f"SELECT p.categories, COUNT(*) AS lines FROM orders AS o JOIN products AS p "
        f"ON SAFE_CAST(p.product_id AS INT64) = o.product_id "
        f"WHERE o.customer_id = {customer_id} AND o.status != 'Cancelled' "
        f"GROUP BY p.categories ORDER BY lines DESC, p.categories LIMIT 3")
    recent = reads.rows(
        f"SELECT o.order_id, o.order_datetime, o.product_id, p.title, o.quantity, "
        f"o.sale_price, o.status FROM orders AS o LEFT JOIN products AS p "
        f"ON SAFE_CAST(p.product_id AS INT64) = o.product_id "
        f"WHERE o.customer_id = {customer_id} "
        f"ORDER BY o.order_datetime DESC, o.order_id DESC LIMIT {RECENT_ORDER_LINES}")
    return CustomerOrders.model_validate({
        **{k: _text(v) if k in ("first_order", "last_order") else v
           for k, v in summary.items() if v is not None},
        "top_categories": [c["categories"] for c in categories],
        "recent_lines": [{**line, "order_datetime": _text(line["order_datetime"])}
                         for line in recent]})


def _text(value: Any) -> str | None:
    """A date or time as text ("2025-03-01 12:34:56"); None stays None."""
    return None if value is None else str(value)


def _reviews(customer_id: int) -> list[dict[str, Any]]:
    rows = reads.rows(
        f"SELECT m.customer_review_id, m.review_datetime, m.product_id, p.title, m.rating, "
        f"m.text_sentiment, m.issue_category, m.review_text "
        f"FROM multimodal_customer_reviews AS m LEFT JOIN products AS p "
        f"ON SAFE_CAST(p.product_id AS INT64) = m.product_id "
        f"WHERE m.customer_id = {customer_id} "
        f"ORDER BY m.review_datetime DESC, m.customer_review_id DESC LIMIT 20")
    for row in rows:
        text = row.get("review_text") or ""
        row["review_text"] = text if len(text) <= 300 else text[:297] + "..."
    return rows


def customer_360(customer_id: int, lang: str) -> dict[str, Any]:
    """Profile, segment and persona, RFM cluster, orders, reviews and recommendations."""
    person = reads.first_row(f"SELECT * FROM customers WHERE customer_id = {customer_id}") or {}
    segment_row = reads.first_row(f"SELECT persona_age_group_profile FROM customer_segments "
                                  f"WHERE customer_id = {customer_id}") or {}
    segment = segment_row.get("persona_age_group_profile")
    persona = reads.first_row(
        f"SELECT persona_segment_description, marketing_pitch FROM customer_persona_definitions "
        f"WHERE persona_age_group_profile = {reads.sql_string(segment or '')} "
        f"AND language = {reads.sql_string(lang)}") if segment else None
    rfm = reads.first_row(f"SELECT r.*, c.next_step, c.next_step_ko, c.cluster_name_ko, c.basis_note "
                          f"FROM customer_rfm AS r JOIN rfm_clusters AS c ON c.cluster_id = r.cluster_id "
                          f"WHERE r.customer_id = {customer_id}") or {}
    reviews = _reviews(customer_id)
    negative = reads.first_row(f"SELECT negative_reviews, neutral_reviews, main_issue_category "
                               f"FROM negative_customers WHERE customer_id = {customer_id}")
    sentiment = {s: sum(1 for r in reviews if r.get("text_sentiment") == s)
                 for s in ("positive", "neutral", "negative")}
    korean = lang == "ko"
    return CustomerCard.model_validate({
        "customer_id": customer_id, "language": lang,
        "profile": {"first_name": person.get("first_name"), "last_name": person.get("last_name"),
                    "email_masked": mask_email(person["email"]) if person.get("email") else None,
                    "gender": person.get("gender"), "age": person.get("age"),
                    "city": person.get("address_city"),
                    "loyalty_member": person.get("loyalty_member")},
        "segment": {"persona_age_group_profile": segment,
                    "name": display_name(segment, lang) if segment else None,
                    "persona": (persona or {}).get("persona_segment_description"),
                    "marketing_pitch": (persona or {}).get("marketing_pitch")},
        "rfm": {"cluster_id": rfm.get("cluster_id"),
                "cluster_name": rfm.get("cluster_name_ko") if korean else rfm.get("cluster_name"),
                "recency_days": rfm.get("recency_days"), "frequency": rfm.get("frequency"),
                "monetary": rfm.get("monetary"), "avg_spend": rfm.get("avg_spend"),
                "basis": rfm.get("basis"),
                "next_step": rfm.get("next_step_ko") if korean else rfm.get("next_step")},
        "orders": _orders(customer_id),
        "review_sentiment": sentiment,
        "negative_customer": negative is not None,
        "main_issue_category": (negative or {}).get("main_issue_category"),
        "recommendations": recommend_for_customer(customer_id, "best", lang),
        "summary": f"고객 {customer_id}의 리뷰" if korean else f"Reviews of customer {customer_id}",
        **Table.from_records(reviews, REVIEW_COLUMNS).to_dict(),
    }).to_dict()


@errors_as_data
def lookup_customer(customer: str, language: str = "") -> dict[str, Any]:
    """A customer 360: profile, persona segment and persona, RFM cluster, order summary,
    reviews with their sentiment, and three recommended products.

    Args:
        customer: the customer id ("1042", "customer 1042", "고객 1042") or full name.
        language: "en" or "ko" for names, persona and next steps; by default Korean when the
            request is written in Korean.

    Returns:
        The 360 as sections (profile with a masked email, segment, rfm, orders,
        review_sentiment, recommendations) and the customer's reviews as columns/rows. An
        unknown id gives an error with the closest existing ids.
    """
    customer_id, problem = find_customer(customer)
    if problem is not None:
        return problem
    return customer_360(customer_id, pick_language(language, str(customer)))


@errors_as_data
def recommend_products(customer: str = "", segment: str = "", city: str = "",
                       method: str = "best", language: str = "") -> dict[str, Any]:
    """Recommend three products for a customer, or for a persona segment and/or a city.

    Args:
        customer: a customer id or name; their past purchases and reviews are skipped.
        segment: a persona segment in any spelling ("young loyal women", "젊은 여성 로열 고객"),
            used when no customer is given.
        city: a customer city ("Busan", "부산"), used when no customer is given.
        method: "best" (the method with the higher measured hit rate), "lab_rule" (segment
            top 1, segment top 2, city top 1) or "segment_city_blend" (products this segment
            and city over-buy).
        language: "en" or "ko" for the reasons; by default Korean for Korean requests.

    Returns:
        The products as columns/rows (rank, product_id, title, categories, price, reason), the
        method used and, for a customer, both methods' measured hit rates.
    """
    lang = pick_language(language, customer, segment, city)
    if str(customer).strip():
        customer_id, problem = find_customer(customer)
        if problem is not None:
            return problem
        return recommend_for_customer(customer_id, method, lang)
    resolved_segment = None
    if segment.strip():
        match = resolve_name(segment)
        if match.kind != "persona":
            return failure("unknown_segment", f"{segment!r} is not one persona segment; "
                           "recommendations by segment need one of the 12 persona segments.",
                           match.candidates)
        resolved_segment = match.name
    resolved_city = resolve_city(city) if city.strip() else None
    if city.strip() and resolved_city is None:
        cities = [r["address_city"] for r in reads.rows(
            "SELECT DISTINCT address_city FROM city_top_products ORDER BY address_city")]
        return failure("unknown_city", f"No customers live in {city!r}.", cities[:18])
    if not resolved_segment and not resolved_city:
        return failure("missing_argument", "Give a customer, or a segment and/or a city.",
                       ["customer", "segment", "city"])
    return recommend_for_group(resolved_segment, resolved_city, lang)
