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


def product_list(columns: list[str], rows: list[list[Any]], lang: str) -> str:
    """Recommended products as "1. Title (₩18,800) — reason; 2. …"."""
    items = []
    for row in rows:
        item = dict(zip(columns, row, strict=False))
        price = f" ({money(item['price'], lang)})" if item.get("price") is not None else ""
        reason = f" — {item['reason']}" if item.get("reason") else ""
        items.append(f"{item.get('rank')}. {item.get('title')}{price}{reason}")
    return "; ".join(items)


def _rfm(rfm: dict[str, Any], lang: str) -> str:
    if not rfm.get("cluster_name"):
        return ""
    return phrase("customer_rfm", lang, cluster=rfm["cluster_name"],
                  orders=f"{int(rfm.get('frequency') or 0):,}",
                  spend=money(rfm.get("monetary") or 0, lang),
                  days=f"{int(rfm['recency_days']):,}" if rfm.get("recency_days") is not None
                  else "—", step=rfm.get("next_step") or "")


@register_writer("lookup_customer")
def write_customer(ctx: AnswerContext) -> str:
    """A compact 360: who, segment, RFM cluster, reviews and sentiment, recommendations."""
    r = ctx.response or {}
    person = r.get("profile") or {}
    lang = ctx.lang
    text = phrase("customer_card", lang, id=r.get("customer_id"),
                  name=f"{person.get('first_name', '')} {person.get('last_name', '')}".strip(),
                  email=person.get("email_masked") or "—", age=person.get("age", "—"),
                  city=city_name(str(person.get("city") or "—"), lang),
                  loyalty=phrase("customer_loyal" if person.get("loyalty_member")
                                 else "customer_not_loyal", lang))
    segment = (r.get("segment") or {}).get("name")
    if segment:
        text += phrase("customer_segment", lang, segment=segment)
    text += _rfm(r.get("rfm") or {}, lang)
    mix = r.get("review_sentiment") or {}
    reviews = len(r.get("rows") or [])
    text += phrase("customer_reviews", lang, n=reviews, positive=mix.get("positive", 0),
                   neutral=mix.get("neutral", 0), negative=mix.get("negative", 0)) \
        if reviews else phrase("customer_no_reviews", lang)
    if r.get("negative_customer"):
        text += phrase("customer_unhappy", lang,
                       issue=issue_label(r.get("main_issue_category"), lang))
    picks = r.get("recommendations") or {}
    if picks.get("rows"):
        titles = ", ".join(str(row[2]) for row in picks["rows"])
        text += phrase("customer_recommended", lang, items=titles)
    return text


def _method(response: dict[str, Any], lang: str) -> str:
    method = str(response.get("method") or "")
    rates = response.get("hit_rates") or {}
    chosen = rates.get(method)
    other = next((v for m, v in rates.items() if m != method and v is not None), None)
    rate_text = phrase("recommend_rates", lang, chosen=percent(chosen), other=percent(other)) \
        if chosen is not None and other is not None else ""
    return phrase("recommend_method", lang, method=phrase(f"method_{method}", lang),
                  rates=rate_text)


@register_writer("recommend_products")
def write_recommendations(ctx: AnswerContext) -> str:
    """The three products, why each, and by which method."""
    r = ctx.response or {}
    lang = ctx.lang
    items = product_list(r.get("columns") or [], r.get("rows") or [], lang)
    if "customer_id" in r:
        text = phrase("recommend_customer", lang, id=r["customer_id"],
                      segment=r.get("segment_name") or "—",
                      city=city_name(str(r.get("city") or "—"), lang), items=items)
        text += _method(r, lang)
        if r.get("excluded_products"):
            text += phrase("recommend_skipped", lang, n=r["excluded_products"])
        return text
    parts = [p for p in (r.get("segment_name"), city_name(str(r["city"]), lang)
                         if r.get("city") else None) if p]
    text = phrase("recommend_group", lang, group=" · ".join(parts), items=items)
    return text + _method(r, lang)
