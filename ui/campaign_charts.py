"""The chart of a campaign's results: cumulative conversion of the emailed customers and of
the holdout, day by day over the attribution window (``campaign_results``'s table)."""

from __future__ import annotations

import plotly.graph_objects as go

from tools.results import Table

TEMPLATE = "plotly_white"
SERIES = (("emailed_conversion", "emailed", "이메일 받은 고객", "#1a73e8"),
          ("holdout_conversion", "holdout (no email)", "대조군 (미발송)", "#9aa0a6"))


def campaign_results_figure(result: Table, lang: str = "en") -> go.Figure | None:
    """Two lines, in percent; None unless the table is a campaign's results with days in it."""
    if result.extra.get("chart") != "campaign_results" or not result.rows:
        return None
    records = result.records()
    figure = go.Figure()
    for column, name_en, name_ko, colour in SERIES:
        figure.add_trace(go.Scatter(
            x=[r["date"] for r in records], y=[100 * float(r[column] or 0) for r in records],
            name=name_ko if lang == "ko" else name_en, mode="lines+markers",
            line={"color": colour, "width": 3 if column.startswith("emailed") else 2},
            hovertemplate="%{x}: %{y:.1f}%<extra>%{fullData.name}</extra>"))
    title = (f"{result.extra.get('campaign_id')}번 캠페인: 누적 전환율" if lang == "ko" else
             f"Campaign {result.extra.get('campaign_id')}: cumulative conversion")
    figure.update_layout(template=TEMPLATE, title=title, yaxis_title="%",
                         margin={"l": 10, "r": 30, "t": 72, "b": 10},
                         legend={"orientation": "h", "y": -0.2})
    return figure
