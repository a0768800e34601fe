"""Answers about persona segments and RFM clusters: one described, or all listed."""

from __future__ import annotations

from agent.offline.answers import AnswerContext, phrase, register_writer
from agent.offline.writers.customers import issue_label, money, percent
from tools.results import SegmentCard, Table
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


def _persona(r: SegmentCard, lang: str) -> str:
    figures, persona = r.figures, r.persona
    text = phrase("segment_persona", lang, name=r.name, segment=r.segment,
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
    products = ", ".join(str(p.get("title")) for p in r.records()[:LISTED])
    text += phrase("segment_places", lang, cities=_cities(figures.get("top_cities"), lang),
                   products=products or "—")
    mix = r.rfm_mix
    if mix:
        text += phrase("segment_rfm_mix", lang, cluster=cluster_label(mix[0]["cluster_name"], lang),
                       share=percent(mix[0]["share"]))
    if persona.get("marketing_pitch"):
        text += phrase("segment_pitch", lang, pitch=persona["marketing_pitch"])
    return text


def _cluster(r: SegmentCard, lang: str) -> str:
    centroid = r.centroid
    days = centroid.get("avg_recency_days")
    text = phrase("cluster_card", lang, name=r.name, id=r.cluster_id,
                  customers=f"{int(r.customers or 0):,}", share=percent(r.share_of_customers),
                  days=f"{float(days):,.0f}" if days is not None else "—",
                  orders=f"{float(centroid.get('avg_frequency') or 0):.2f}",
                  spend=money(centroid.get("avg_spend") or 0, lang),
                  step=r.next_step or "")
    top = r.records()[:LISTED]
    if top:
        items = ", ".join(f"{t['name'] or t['segment']} ({percent(t['share'])})" for t in top)
        text += phrase("cluster_segments", lang, items=items)
    return text


@register_writer("describe_segment")
def write_segment(ctx: AnswerContext) -> str:
    """A persona segment (size, persona, reviews, sales, places, products, pitch) or an RFM
    cluster (size, centroid, next step, segment mix)."""
    card = SegmentCard.model_validate(ctx.response or {})
    return _cluster(card, ctx.lang) if card.kind == "cluster" else _persona(card, ctx.lang)


def _personas(table: Table, lang: str) -> str:
    rows = table.records()
    if not rows:
        return ""
    largest = sorted(rows, key=lambda x: -int(x.get("customers") or 0))[:LISTED]
    negative = max(rows, key=lambda x: float(x.get("negative_share") or 0))
    return phrase("segments_listed", lang, n=len(rows),
                  customers=f"{int(table.extra.get('total_customers') or 0):,}",
                  largest=", ".join(f"{x['name']} {int(x['customers']):,}" for x in largest),
                  negative=f"{negative['name']} ({percent(negative.get('negative_share'))})")


def _clusters(table: Table | None, lang: str) -> str:
    rows = table.records() if table else []
    if not rows:
        return ""
    assert table is not None
    silhouette = table.extra.get("silhouette")
    items = ", ".join(f"{x['name']} {int(x.get('customers') or 0):,} "
                      f"({percent(x.get('share_of_customers'))})" for x in rows)
    return phrase("clusters_listed", lang, n=len(rows), items=items,
                  silhouette=f"{float(silhouette):.2f}" if silhouette is not None else "n/a")


@register_writer("list_segments")
def write_segment_list(ctx: AnswerContext) -> str:
    """The persona segments (sizes, the most negative) and/or the RFM clusters."""
    table = Table.from_response(ctx.response) or Table(columns=[], rows=[])
    kind = table.extra.get("kind")
    if kind == "rfm":
        return _clusters(table, ctx.lang)
    parts = [_personas(table, ctx.lang)]
    if kind == "all":
        parts.append(_clusters(Table.from_response(table.extra.get("rfm_clusters")), ctx.lang))
    return " ".join(p for p in parts if p)
