"""Answers about persona segments and RFM clusters: one described, or all listed."""

from __future__ import annotations

from typing import Any

from agent.offline.answers import AnswerContext, phrase, register_writer
from agent.offline.writers.customers import issue_label, money, percent
from tools.segments.rfm_names import archetypes
from tools.vocabulary.segments import city_name

LISTED = 3


def cluster_label(name: str, lang: str) -> str:
    """An RFM cluster's name in ``lang`` (its archetype's Korean name in Korean)."""
    if lang != "ko":
        return name
    named, inactive = archetypes()
    return next((a.name_ko for a in (*named, *inactive.values()) if a.name == name), name)


def _cities(text: str | None, lang: str) -> str:
    return ", ".join(city_name(c.strip(), lang) for c in (text or "").split(",") if c.strip())


def _persona(r: dict[str, Any], lang: str) -> str:
    figures = r.get("figures") or {}
    persona = r.get("persona") or {}
    text = phrase("segment_persona", lang, name=r.get("name"), segment=r.get("segment"),
                  customers=f"{int(figures.get('customers') or 0):,}",
                  share=percent(figures.get("share_of_customers")),
                  description=persona.get("description") or "").strip()
    if figures.get("reviews"):
        text += phrase("segment_reviews", lang, negative=percent(figures.get("negative_share")),
                       rating=f"{float(figures.get('avg_rating') or 0):.2f}",
                       issue=issue_label(figures.get("top_issue"), lang))
    if figures.get("orders"):
        text += phrase("segment_sales", lang, revenue=money(figures.get("revenue"), lang),
                       orders=f"{int(figures['orders']):,}",
                       aov=money(figures.get("avg_order_value"), lang))
    products = ", ".join(str(row[2]) for row in (r.get("rows") or [])[:LISTED])
    text += phrase("segment_places", lang, cities=_cities(figures.get("top_cities"), lang),
                   products=products or "—")
    mix = r.get("rfm_mix") or []
    if mix:
        text += phrase("segment_rfm_mix", lang, cluster=cluster_label(mix[0]["cluster_name"], lang),
                       share=percent(mix[0]["share"]))
    if persona.get("marketing_pitch"):
        text += phrase("segment_pitch", lang, pitch=persona["marketing_pitch"])
    return text


def _cluster(r: dict[str, Any], lang: str) -> str:
    centroid = r.get("centroid") or {}
    days = centroid.get("avg_recency_days")
    text = phrase("cluster_card", lang, name=r.get("name"), id=r.get("cluster_id"),
                  customers=f"{int(r.get('customers') or 0):,}",
                  share=percent(r.get("share_of_customers")),
                  days=f"{float(days):,.0f}" if days is not None else "—",
                  orders=f"{float(centroid.get('avg_frequency') or 0):.2f}",
                  spend=money(centroid.get("avg_spend") or 0, lang),
                  step=r.get("next_step") or "")
    columns = r.get("columns") or []
    top = [dict(zip(columns, row, strict=False)) for row in (r.get("rows") or [])[:LISTED]]
    if top:
        items = ", ".join(f"{t['name'] or t['segment']} ({percent(t['share'])})" for t in top)
        text += phrase("cluster_segments", lang, items=items)
    return text


@register_writer("describe_segment")
def write_segment(ctx: AnswerContext) -> str:
    """A persona segment (size, persona, reviews, sales, places, products, pitch) or an RFM
    cluster (size, centroid, next step, segment mix)."""
    r = ctx.response or {}
    return _cluster(r, ctx.lang) if r.get("kind") == "cluster" else _persona(r, ctx.lang)


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    columns = table.get("columns") or []
    return [dict(zip(columns, row, strict=False)) for row in table.get("rows") or []]


def _personas(r: dict[str, Any], lang: str) -> str:
    rows = _rows(r)
    if not rows:
        return ""
    largest = sorted(rows, key=lambda x: -int(x.get("customers") or 0))[:LISTED]
    negative = max(rows, key=lambda x: float(x.get("negative_share") or 0))
    return phrase("segments_listed", lang, n=len(rows),
                  customers=f"{int(r.get('total_customers') or 0):,}",
                  largest=", ".join(f"{x['name']} {int(x['customers']):,}" for x in largest),
                  negative=f"{negative['name']} ({percent(negative.get('negative_share'))})")


def _clusters(table: dict[str, Any], lang: str) -> str:
    rows = _rows(table)
    if not rows:
        return ""
    silhouette = table.get("silhouette")
    items = ", ".join(f"{x['name']} {int(x.get('customers') or 0):,} "
                      f"({percent(x.get('share_of_customers'))})" for x in rows)
    return phrase("clusters_listed", lang, n=len(rows), items=items,
                  silhouette=f"{float(silhouette):.2f}" if silhouette is not None else "n/a")


@register_writer("list_segments")
def write_segment_list(ctx: AnswerContext) -> str:
    """The persona segments (sizes, the most negative) and/or the RFM clusters."""
    r = ctx.response or {}
    if r.get("kind") == "rfm":
        return _clusters(r, ctx.lang)
    parts = [_personas(r, ctx.lang)]
    if r.get("kind") == "all":
        parts.append(_clusters(r.get("rfm_clusters") or {}, ctx.lang))
    return " ".join(p for p in parts if p)
