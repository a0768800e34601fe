"""Deterministic Plotly charts of segments and RFM clusters, built from tool results.

Each builder takes the ``Table`` a tool returned (``list_segments``) and returns a
``plotly.graph_objects.Figure``; the same table always gives the same figure. No
model-written code is involved.
"""

from __future__ import annotations

import plotly.graph_objects as go

from tools.results import Table
from ui.charts import wrap_label

TEMPLATE = "plotly_white"
SPEND_SCALE = "Viridis"
NEGATIVE_SCALE = "OrRd"


def rfm_cluster_figure(result: Table) -> go.Figure:
    """Bubble chart of RFM clusters: days since last purchase × orders per customer; bubble
    area is the number of customers, colour the average order value. Customers with no
    purchases (cluster 0) have no position and are named in the subtitle."""
    records = result.records()
    placed = [r for r in records if r.get("avg_recency_days") is not None]
    unplaced = [r for r in records if r.get("avg_recency_days") is None]
    largest = max((float(r["customers"]) for r in placed), default=1.0) or 1.0
    figure = go.Figure(go.Scatter(
        x=[r["avg_recency_days"] for r in placed],
        y=[r["avg_frequency"] for r in placed],
        text=[r["name"] for r in placed],
        customdata=[[r["customers"], r.get("avg_spend"), r.get("next_step", "")] for r in placed],
        mode="markers+text", textposition="top center",
        marker={"size": [12 + 48 * (float(r["customers"]) / largest) ** 0.5 for r in placed],
                "color": [r.get("avg_spend") or 0 for r in placed], "colorscale": SPEND_SCALE,
                "showscale": True, "colorbar": {"title": "avg order (₩)"},
                "line": {"width": 1, "color": "#333"}},
        hovertemplate=("<b>%{text}</b><br>%{customdata[0]:,} customers<br>"
                       "last purchase %{x:.0f} days ago<br>%{y:.1f} orders<br>"
                       "avg order ₩%{customdata[1]:,.0f}<br>%{customdata[2]}<extra></extra>"),
    ))
    subtitle = ""
    if unplaced:
        subtitle = " · ".join(f"{r['name']}: {int(r['customers']):,}" for r in unplaced)
    silhouette = result.extra.get("silhouette")
    title = "RFM clusters" + (f" (silhouette {float(silhouette):.2f})" if silhouette else "")
    figure.update_layout(
        template=TEMPLATE,
        title={"text": title + (f"<br><sup>{subtitle}</sup>" if subtitle else "")},
        xaxis={"title": "days since last purchase", "autorange": "reversed"},
        yaxis={"title": "orders per customer"}, showlegend=False,
        margin={"l": 60, "r": 20, "t": 70, "b": 50})
    return figure


def persona_segment_figure(result: Table) -> go.Figure:
    """Bars of persona segments by number of customers, largest first, coloured by the share
    of negative reviews."""
    records = sorted(result.records(), key=lambda r: (-int(r.get("customers") or 0),
                                                      r.get("segment", "")))
    figure = go.Figure(go.Bar(
        y=[wrap_label(r.get("name") or r["segment"]) for r in records],
        x=[r.get("customers") for r in records], orientation="h",
        customdata=[[r["segment"], r.get("negative_share") or 0] for r in records],
        marker={"color": [r.get("negative_share") or 0 for r in records],
                "colorscale": NEGATIVE_SCALE, "showscale": True,
                "colorbar": {"title": "negative reviews", "tickformat": ".0%"}},
        hovertemplate=("<b>%{y}</b><br>%{customdata[0]}<br>%{x:,} customers<br>"
                       "negative reviews %{customdata[1]:.0%}<extra></extra>"),
    ))
    # the largest segment on top; each bar tall enough for a name on up to three lines
    figure.update_layout(template=TEMPLATE, title={"text": "Persona segments by customers"},
                         yaxis={"title": "", "autorange": "reversed"},
                         xaxis={"title": "customers"}, showlegend=False,
                         height=120 + 44 * len(records),
                         margin={"l": 10, "r": 20, "t": 50, "b": 40})
    return figure


def chart_for(result: Table) -> go.Figure | None:
    """The chart a segment tool result asks for (its ``chart`` key), if any."""
    if result.extra.get("chart") == "rfm_clusters":
        return rfm_cluster_figure(result)
    if result.extra.get("chart") == "persona_segments":
        return persona_segment_figure(result)
    return None
