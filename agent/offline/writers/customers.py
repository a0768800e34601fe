"""Answers about one customer (the 360) and product recommendations. A customer's email
address only ever appears masked, as the tools return it."""

from __future__ import annotations

from typing import Any

from agent.offline.answers import (
    AnswerContext,
    format_value,
    phrase,
    register_writer,
)
from tools.results import CustomerCard, CustomerRfm, Recommendations
from tools.vocabulary.reviews import issue_categories
from tools.vocabulary.segments import city_name


def percent(share: Any) -> str:
    """A 0..1 share as "12.3%"."""
    return f"{float(share or 0) * 100:.1f}%"


def money(value: Any, lang: str) -> str:
    return format_value("revenue", value, lang)


def issue_label(issue: str | None, lang: str) -> str:
    """An issue category in the answer's language (the lab's Korean name in Korean)."""
    known = issue_categories().get(issue or "")
    return str(issue) if lang == "ko" or known is None else known.name


def product_list(picks: Recommendations, lang: str) -> str:
    """Recommended products as "1. Title (₩18,800) — reason; 2. …"."""
    items = []
    for item in picks.products():
        price = f" ({money(item['price'], lang)})" if item.get("price") is not None else ""
        reason = f" — {item['reason']}" if item.get("reason") else ""
        items.append(f"{item.get('rank')}. {item.get('title')}{price}{reason}")
    return "; ".join(items)


def _rfm(rfm: CustomerRfm, lang: str) -> str:
    if not rfm.cluster_name:
        return ""
    return phrase("customer_rfm", lang, cluster=rfm.cluster_name,
                  orders=f"{int(rfm.frequency or 0):,}", spend=money(rfm.monetary or 0, lang),
                  days=f"{int(rfm.recency_days):,}" if rfm.recency_days is not None else "—",
                  step=rfm.next_step or "")


@register_writer("lookup_customer")
def write_customer(ctx: AnswerContext) -> str:
    """A compact 360: who, segment, RFM cluster, reviews and sentiment, recommendations."""
    card = CustomerCard.model_validate(ctx.response or {})
    person, lang = card.profile, ctx.lang
    text = phrase("customer_card", lang, id=card.customer_id,
                  name=f"{person.first_name or ''} {person.last_name or ''}".strip(),
                  email=person.email_masked or "—",
                  age=person.age if person.age is not None else "—",
                  city=city_name(str(person.city or "—"), lang),
                  loyalty=phrase("customer_loyal" if person.loyalty_member
                                 else "customer_not_loyal", lang))
    if card.segment.name:
        text += phrase("customer_segment", lang, segment=card.segment.name)
    text += _rfm(card.rfm, lang)
    mix = card.review_sentiment
    reviews = len(card.rows)
    text += phrase("customer_reviews", lang, n=reviews, positive=mix.get("positive", 0),
                   neutral=mix.get("neutral", 0), negative=mix.get("negative", 0)) \
        if reviews else phrase("customer_no_reviews", lang)
    if card.negative_customer:
        text += phrase("customer_unhappy", lang, issue=issue_label(card.main_issue_category, lang))
    picks = card.recommendations
    if picks is not None and picks.rows:
        titles = ", ".join(str(p.get("title")) for p in picks.products())
        text += phrase("customer_recommended", lang, items=titles)
    return text


def _method(picks: Recommendations, lang: str) -> str:
    method = picks.method
    rates = picks.hit_rates
    chosen = rates.get(method)
    other = next((v for m, v in rates.items() if m != method and v is not None), None)
    rate_text = phrase("recommend_rates", lang, chosen=percent(chosen), other=percent(other)) \
        if chosen is not None and other is not None else ""
    return phrase("recommend_method", lang, method=phrase(f"method_{method}", lang),
                  rates=rate_text)


@register_writer("recommend_products")
def write_recommendations(ctx: AnswerContext) -> str:
    """The three products, why each, and by which method."""
    picks = Recommendations.model_validate(ctx.response or {})
    lang = ctx.lang
    items = product_list(picks, lang)
    if picks.customer_id is not None:
        text = phrase("recommend_customer", lang, id=picks.customer_id,
                      segment=picks.segment_name or "—",
                      city=city_name(str(picks.city or "—"), lang), items=items)
        text += _method(picks, lang)
        if picks.excluded_products:
            text += phrase("recommend_skipped", lang, n=picks.excluded_products)
        return text
    parts = [p for p in (picks.segment_name, city_name(picks.city, lang) if picks.city else None)
             if p]
    text = phrase("recommend_group", lang, group=" · ".join(parts), items=items)
    return text + _method(picks, lang)
