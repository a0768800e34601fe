"""A customer 360 as a card in the result panel: who the customer is, their persona segment
and RFM cluster, their orders (totals and the latest lines), their reviews and the products
recommended to them. Names and review text come from the data: every piece is escaped.
The address shows only as the tool masked it."""

from __future__ import annotations

import html
from typing import Any

from tools.results import CustomerCard, CustomerReview, ReviewHit
from tools.sql.value_labels import value_label
from ui.result_columns import cell_text, result_columns
from ui.review_cards import review_card
from ui.wording import phrase

ORDER_COLUMNS = ["order_datetime", "title", "quantity", "sale_price", "status"]
# the totals shown, by their field and the column whose label names them for one customer
TOTALS = {"orders": "orders", "revenue": "spend", "first_order": "first_order",
          "last_order": "last_order", "returned_lines": "returned_lines",
          "cancelled_lines": "cancelled_lines"}


def _e(value: object) -> str:
    return html.escape(str(value))


def _section(kind: str, title: str, body: str) -> str:
    return (f'<section class="customer-{kind}"><h4>{_e(title)}</h4>{body}</section>')


def _cells(names: list[str], values: list[Any], lang: str) -> list[tuple[str, str]]:
    """(label, text) of each value, named and formatted as result tables are."""
    columns = result_columns(names, [values], lang)
    return [(c.label, cell_text(c, v, lang)) for c, v in zip(columns, values, strict=True)]


def _head(card: CustomerCard, lang: str) -> str:
    person = card.profile
    name = f"{person.first_name or ''} {person.last_name or ''}".strip() or "—"
    facts = [customer_title(card, lang, named=False), person.email_masked or ""]
    chips = [phrase("age_years", lang, n=person.age) if person.age is not None else "",
             value_label("gender", person.gender, lang) if person.gender else "",
             value_label("city", person.city, lang) if person.city else "",
             phrase("loyal" if person.loyalty_member else "not_loyal", lang)]
    return (f'<header class="customer-head"><h3>{_e(name)}</h3>'
            f'<div class="customer-id">{" · ".join(_e(f) for f in facts if f)}</div>'
            f'<div class="customer-chips">'
            f'{"".join(f"<span class=chip>{_e(c)}</span>" for c in chips if c)}</div></header>')


def _segment(card: CustomerCard, lang: str) -> str:
    parts = []
    if card.segment.name:
        persona = f" — {_e(card.segment.persona)}" if card.segment.persona else ""
        parts.append(f'<p class="customer-persona"><b>{_e(card.segment.name)}</b>{persona}</p>')
    rfm = card.rfm
    if rfm.cluster_name:
        figures = _cells(["recency_days", "frequency", "monetary"],
                         [rfm.recency_days, rfm.frequency, rfm.monetary], lang)
        shown = " · ".join(f"{_e(label)} {_e(text)}" for label, text in figures if text)
        step = (f'<br><span class="customer-next">{_e(phrase("next_step", lang))}: '
                f'{_e(rfm.next_step)}</span>') if rfm.next_step else ""
        parts.append(f'<p class="customer-rfm"><b>{_e(phrase("rfm_cluster", lang))}: '
                     f'{_e(rfm.cluster_name)}</b><br>{shown}{step}</p>')
    if card.negative_customer:
        issue = value_label("issue_category", card.main_issue_category, lang) \
            if card.main_issue_category else "—"
        parts.append(f'<p class="customer-unhappy">{_e(phrase("unhappy", lang, issue=issue))}'
                     "</p>")
    body = "".join(parts) or f'<p class="customer-none">{_e(phrase("no_segment", lang))}</p>'
    return _section("segment", phrase("segment_and_cluster", lang), body)


def _orders(card: CustomerCard, lang: str) -> str:
    orders = card.orders
    if not orders.orders:
        return _section("orders", phrase("orders", lang),
                        f'<p class="customer-none">{_e(phrase("no_orders", lang))}</p>')
    totals = _cells(list(TOTALS.values()), [getattr(orders, n) for n in TOTALS], lang)
    stats = "".join(f'<div class="customer-stat"><span>{_e(label)}</span><b>{_e(text[:10])}</b>'
                    "</div>" for label, text in totals if text)
    categories = ", ".join(value_label("category", c, lang) for c in orders.top_categories)
    bought = (f'<p class="customer-bought">{_e(phrase("buys_most", lang))}: {_e(categories)}'
              "</p>") if categories else ""
    lines = [[getattr(line, n) for n in ORDER_COLUMNS] for line in orders.recent_lines]
    columns = result_columns(ORDER_COLUMNS, lines, lang)
    head = "".join(f'<th class="{"num" if c.numeric else ""}">{_e(c.label)}</th>'
                   for c in columns)
    body = "".join("<tr>" + "".join(
        f'<td class="{"num" if c.numeric else ""}">{_e(cell_text(c, v, lang))}</td>'
        for c, v in zip(columns, line, strict=True)) + "</tr>" for line in lines)
    recent = (f'<table class="customer-table"><caption>{_e(phrase("recent_orders", lang))}'
              f'</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    return _section("orders", phrase("orders", lang),
                    f'<div class="customer-stats">{stats}</div>{bought}{recent}')


def _as_hit(review: CustomerReview, customer_id: int) -> ReviewHit:
    return ReviewHit(review_id=review.customer_review_id or 0, customer_id=customer_id,
                     product_id=review.product_id or 0, product_title=review.title or "",
                     rating=review.rating or 0, sentiment=review.text_sentiment or "",
                     issue_category=review.issue_category or "",
                     date=(review.review_datetime or "")[:10], snippet=review.review_text)


def _reviews(card: CustomerCard, lang: str) -> str:
    reviews = card.reviews()
    title = phrase("reviews_of", lang, n=len(reviews))
    if not reviews:
        return _section("reviews", title,
                        f'<p class="customer-none">{_e(phrase("no_reviews", lang))}</p>')
    cards = "".join(review_card(_as_hit(r, card.customer_id), None, lang, with_customer=False)
                    for r in reviews)
    return _section("reviews", title, f'<div class="review-cards">{cards}</div>')


def _recommendations(card: CustomerCard, lang: str) -> str:
    picks = card.recommendations
    if picks is None or not picks.rows:
        return ""
    items = []
    for item in picks.products():
        price = _cells(["price"], [item.get("price")], lang)[0][1]
        reason = f' <span class="customer-reason">— {_e(item["reason"])}</span>' \
            if item.get("reason") else ""
        items.append(f'<li><b>{_e(item.get("title") or "")}</b> {_e(price)}{reason}</li>')
    return _section("recommendations", phrase("recommended", lang),
                    f'<ol class="customer-picks">{"".join(items)}</ol>')


def customer_card(card: CustomerCard, lang: str) -> str:
    """The 360 as one card: profile, segment and cluster, orders, reviews, recommendations."""
    return (f'<div class="customer-card" data-customer-id="{card.customer_id}">'
            f"{_head(card, lang)}{_segment(card, lang)}{_orders(card, lang)}"
            f"{_reviews(card, lang)}{_recommendations(card, lang)}</div>")


def customer_title(card: CustomerCard, lang: str, named: bool = True) -> str:
    """The panel's title: "Customer 1042 — Minji Kim" (``named``: with the name)."""
    name = f"{card.profile.first_name or ''} {card.profile.last_name or ''}".strip()
    head = phrase("customer", lang, id=card.customer_id)
    head = head[:1].upper() + head[1:]
    return f"{head} — {name}" if name and named else head
