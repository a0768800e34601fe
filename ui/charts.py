"""Deterministic charts from query results: no model-written code ever runs.

``chart_spec`` looks at a result's columns and values and picks a chart a marketer would
draw by hand: a line for a time series, bars for a comparison across categories, grouped
bars or coloured lines when a second category splits the numbers. ``build_figure`` turns
the spec into a plotly figure. ``wants_chart`` tells whether a question asks for one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

_CHART_WORDS = re.compile(
    r"\b(trend|trends|over time|by (day|week|month|year)|daily|weekly|monthly|distribution|"
    r"breakdown|compare|comparison|versus|vs\.?|chart|plot|graph|visuali[sz]e|histogram|"
    r"share|split)\b|추이|추세|분포|비교|차트|그래프|시각화|월별|일별|주별|연도별|비율",
    re.IGNORECASE)
_TIME_NAME = re.compile(r"(date|day|week|month|year|time|period|날짜|월|일)", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2})?)?")
MAX_CATEGORIES = 30
MAX_SERIES = 12
PALETTE = ["#1a73e8", "#e8710a", "#188038", "#d93025", "#9334e6", "#12b5cb", "#f9ab00",
           "#5f6368", "#e52592", "#7cb342", "#795548", "#3949ab"]


@dataclass(frozen=True)
class ChartSpec:
    kind: str  # line | bar | grouped_bar
    x: str
    y: list[str]
    series: str | None = None
    horizontal: bool = False
    title: str = ""


def wants_chart(question: str) -> bool:
    """True when the question asks for a trend, distribution, comparison or a chart."""
    return bool(_CHART_WORDS.search(question or ""))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_time(name: str, values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    if not present:
        return False
    if all(isinstance(v, (dt.date, dt.datetime)) for v in present):
        return True
    if all(isinstance(v, str) and _ISO_DATE.match(v) for v in present):
        return True
    return bool(_TIME_NAME.search(name)) and all(_is_number(v) for v in present) and \
        len(set(present)) > 2 and name.lower() not in ("days", "recency_days")


def chart_spec(columns: list[str], rows: list[list[Any]], title: str = "") -> ChartSpec | None:
    """The chart for a result, or None when a table says it better (one row, no numbers)."""
    if len(rows) < 2 or len(columns) < 2:
        return None
    values = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    times = [c for c in columns if _is_time(c, values[c])]
    numbers = [c for c in columns if c not in times and
               all(_is_number(v) or v is None for v in values[c]) and
               any(_is_number(v) for v in values[c]) and not c.lower().endswith("_id")]
    categories = [c for c in columns if c not in times and c not in numbers]
    if not numbers:
        return None
    if times:
        series = next((c for c in categories if len(set(values[c])) <= MAX_SERIES), None)
        return ChartSpec("line", x=times[0], y=numbers[:1] if series else numbers[:4],
                         series=series, title=title)
    if not categories:
        return None
    x = categories[0]
    distinct = len(set(values[x]))
    if len(categories) > 1 and len(set(values[categories[1]])) <= MAX_SERIES:
        return ChartSpec("grouped_bar", x=x, y=numbers[:1], series=categories[1], title=title)
    longest = max((len(str(v)) for v in values[x]), default=0)
    return ChartSpec("bar", x=x, y=numbers[:2], horizontal=distinct > 8 or longest > 18,
                     title=title)


def build_figure(columns: list[str], rows: list[list[Any]], title: str = "") -> go.Figure | None:
    """A plotly figure for the result, or None (see ``chart_spec``)."""
    spec = chart_spec(columns, rows, title)
    if spec is None:
        return None
    index = {c: i for i, c in enumerate(columns)}
    data = rows[:MAX_CATEGORIES] if spec.kind == "bar" else rows
    fig = go.Figure()
    if spec.series:
        groups: dict[Any, list[list[Any]]] = {}
        for row in data:
            groups.setdefault(row[index[spec.series]], []).append(row)
        for n, (name, members) in enumerate(groups.items()):
            xs = [r[index[spec.x]] for r in members]
            ys = [r[index[spec.y[0]]] for r in members]
            color = PALETTE[n % len(PALETTE)]
            if spec.kind == "line":
                fig.add_trace(go.Scatter(x=xs, y=ys, name=str(name), mode="lines+markers",
                                         line={"color": color}))
            else:
                fig.add_trace(go.Bar(x=xs, y=ys, name=str(name), marker_color=color))
        fig.update_layout(barmode="group", legend_title_text=spec.series)
    else:
        xs = [r[index[spec.x]] for r in data]
        for n, name in enumerate(spec.y):
            ys = [r[index[name]] for r in data]
            color = PALETTE[n % len(PALETTE)]
            if spec.kind == "line":
                fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines+markers",
                                         line={"color": color}))
            elif spec.horizontal:
                fig.add_trace(go.Bar(x=ys[::-1], y=[str(x) for x in xs][::-1], name=name,
                                     orientation="h", marker_color=color))
            else:
                fig.add_trace(go.Bar(x=[str(x) for x in xs], y=ys, name=name,
                                     marker_color=color))
    value_title = spec.y[0] if len(spec.y) == 1 else ""  # several series: the legend names them
    x_title, y_title = (value_title, spec.x) if spec.horizontal else (spec.x, value_title)
    fig.update_layout(
        title={"text": spec.title, "x": 0.01, "font": {"size": 15}},
        template="plotly_white", margin={"l": 10, "r": 10, "t": 48, "b": 10},
        xaxis_title=x_title, yaxis_title=y_title, height=380,
        font={"family": "Inter, 'Noto Sans KR', sans-serif"},
        showlegend=bool(spec.series) or len(spec.y) > 1,
    )
    return fig
