"""Deterministic charts from query results: no model-written code ever runs.

``chart_spec`` reads a result's columns (their kinds from ``ui.result_columns``) and picks
the chart a marketer would draw by hand, or none when a table says it better:

- a line for a measure over time; lines per group when a second column splits it and the
  measure is an average or a share;
- bars for a measure across categories (horizontal when there are many or their names are
  long), and for a distribution over a small whole number (star ratings, orders per customer);
- stacked bars when a second column splits a count or an amount into parts;
- stacked shares (each bar 100%) when the columns are the parts of one whole (positive,
  negative and neutral reviews per month);
- nothing for one row, lists of people or texts, or ids without a category.

Every chart is titled with its measure ("Customers by city", "도시별 고객 수"), in the
question's language. ``build_figure`` turns the spec into a plotly figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go

from tools.vocabulary.columns import part_title
from ui.result_columns import ResultColumn, cell_text, is_number
from ui.wording import phrase

_CHART_WORDS = re.compile(
    r"\b(trend|trends|over time|by (day|week|month|year)|daily|weekly|monthly|distribution|"
    r"breakdown|compare|comparison|versus|vs\.?|chart|plot|graph|visuali[sz]e|histogram|"
    r"share|split)\b|추이|추세|분포|비교|차트|그래프|시각화|월별|일별|주별|연도별|비율",
    re.IGNORECASE)
MIN_ROWS = 3  # two rows (a leader and its runner-up) are read, not looked at, unless asked
MAX_CATEGORIES = 30
MAX_SERIES = 8
MAX_MEASURES = 3
MAX_LABELLED_BARS = 20  # up to this many bars carry their value
WRAP_CHARS = 22
HEIGHT = 380
BAR_LINE_PX = 14  # a horizontal bar's height per line of its label, and the gap between bars
BAR_GAP_PX = 12
HORIZONTAL_OVER = 8  # more categories than this, or long names, lay bars on their side
LONG_NAME = 18
ADDITIVE = frozenset({"count", "money"})  # measures whose parts add up to a whole…
_AVERAGED = ("avg_", "average_", "mean_")  # …unless each is an average (order value, price)
PALETTE = ["#1a73e8", "#e8710a", "#188038", "#d93025", "#9334e6", "#12b5cb", "#f9ab00",
           "#5f6368", "#e52592", "#7cb342", "#795548", "#3949ab"]
ChartKind = Literal["line", "bar", "grouped_bar", "stacked_bar", "share"]


@dataclass(frozen=True)
class ChartSpec:
    kind: ChartKind
    x: ResultColumn
    y: tuple[ResultColumn, ...]
    series: ResultColumn | None = None
    horizontal: bool = False
    title: str = ""


def wants_chart(question: str) -> bool:
    """True when the question asks for a trend, distribution, comparison or a chart."""
    return bool(_CHART_WORDS.search(question or ""))


def _distinct(rows: list[list[Any]], index: int) -> int:
    return len({repr(row[index]) for row in rows})


def _title(kind: ChartKind, x: ResultColumn, y: tuple[ResultColumn, ...],
           series: ResultColumn | None, lang: str) -> str:
    dimension = x.label.lower() if lang == "en" else x.label
    if kind == "share" and y[0].part:
        return phrase("mix_by", lang, mix=part_title(y[0].part, lang), dimension=dimension)
    measure = " / ".join(c.label for c in y)
    if series is not None:
        other = series.label.lower() if lang == "en" else series.label
        return phrase("by_and", lang, measure=measure, dimension=dimension, series=other)
    return phrase("by", lang, measure=measure, dimension=dimension)


def _spec(kind: ChartKind, x: ResultColumn, y: list[ResultColumn], lang: str,
          series: ResultColumn | None = None, horizontal: bool = False) -> ChartSpec:
    return ChartSpec(kind, x, tuple(y), series, horizontal, _title(kind, x, tuple(y), series,
                                                                     lang))


def _whole_number_axis(rows: list[list[Any]]) -> bool:
    """A first column of distinct whole numbers in order (stars 1-5, orders 1, 2, 3 …): the
    buckets of a distribution."""
    values = [row[0] for row in rows]
    if not all(is_number(v) and float(v).is_integer() for v in values):
        return False
    return len(set(values)) == len(values) and values in (sorted(values),
                                                          sorted(values, reverse=True))


def chart_spec(columns: list[ResultColumn], rows: list[list[Any]], lang: str = "en",
               asked: bool = False) -> ChartSpec | None:
    """The chart for a result, or None when a table says it better. ``asked``: the question
    asks for a comparison or a chart, so two rows are enough."""
    if len(rows) < (2 if asked else MIN_ROWS) or len(columns) < 2:
        return None
    if any(c.kind in ("name", "text") for c in columns):
        return None  # a list of people or of words
    index = {c.name: i for i, c in enumerate(columns)}
    measures = [c for c in columns if c.numeric]
    dimensions = [c for c in columns if c.kind in ("category", "time", "flag")]
    if not measures or any(_timestamps(rows, index[d.name]) for d in dimensions
                           if d.kind == "time"):
        return None  # nothing to draw, or a list of events (orders, reviews) by their times
    if sum(_distinct(rows, index[d.name]) == len(rows) for d in dimensions) > 1:
        return None  # each row names two things (a city and its top product): a list
    if not dimensions:
        if len(measures) < 2 or not _whole_number_axis(rows):
            return None
        return _spec("bar", columns[0], [measures[1]], lang)
    times = [d for d in dimensions if d.kind == "time"]
    x = times[0] if times else dimensions[0]
    sideways = x.kind != "time" and _long_axis(x, rows, index[x.name], lang)
    parts = [m for m in measures if m.part and m.part == measures[0].part]
    if len(parts) >= 2:
        return _spec("share", x, parts, lang, horizontal=sideways)
    series = next((d for d in dimensions if d is not x and
                   1 < _distinct(rows, index[d.name]) <= MAX_SERIES and
                   _distinct(rows, index[x.name]) < len(rows)), None)
    first = measures[0]
    same_unit = [m for m in measures if m.kind == first.kind][:MAX_MEASURES]
    if series is not None:
        if first.kind in ADDITIVE and not first.name.startswith(_AVERAGED) \
                and "_per_" not in first.name:  # averages side by side: never a sum
            return _spec("stacked_bar", x, [first], lang, series=series, horizontal=sideways)
        return _spec("line" if x.kind == "time" else "grouped_bar", x, [first], lang,
                     series=series)
    if x.kind == "time":
        return _spec("line", x, same_unit, lang)
    return _spec("bar" if len(same_unit) == 1 else "grouped_bar", x, same_unit, lang,
                 horizontal=sideways)


def _timestamps(rows: list[list[Any]], index: int) -> bool:
    """Times of day in a time column: when single events happened, not periods."""
    return any(":" in str(row[index]) for row in rows)


def _long_axis(column: ResultColumn, rows: list[list[Any]], index: int, lang: str) -> bool:
    """Many categories, or names too long to stand under a bar."""
    names = {cell_text(column, row[index], lang) for row in rows}
    return len(names) > HORIZONTAL_OVER or max((len(n) for n in names), default=0) > LONG_NAME


def _axis_format(column: ResultColumn) -> dict[str, Any]:
    if column.kind == "money":
        return {"tickprefix": "₩", "separatethousands": True}
    if column.kind == "percent":
        return {"ticksuffix": "%"}
    if column.kind == "rating":
        return {"range": [0, 5.4]}  # the whole scale, so 3.1 and 3.5 look as far apart as they are
    return {"separatethousands": True}


def _plotted(column: ResultColumn, value: Any) -> Any:
    """A measure's value on the axis (a share written as 0.25 is drawn as 25%)."""
    return value * 100 if column.fraction and is_number(value) else value


def _trace(spec: ChartSpec, name: str, xs: list[Any], ys: list[Any], hover: list[str],
           color: str, labels: list[str] | None = None) -> go.BaseTraceType:
    """One line or set of bars; ``labels`` are written on the bars."""
    template = "%{customdata}<extra>" + name + "</extra>"
    if spec.kind == "line":
        return go.Scatter(x=xs, y=ys, name=name, mode="lines+markers", line={"color": color},
                          customdata=hover, hovertemplate=template)
    shown = {"text": labels, "textposition": "outside", "cliponaxis": False} if labels else {}
    if spec.horizontal:
        return go.Bar(x=ys, y=xs, name=name, orientation="h", marker_color=color,
                      customdata=hover, hovertemplate=template, **shown)
    return go.Bar(x=xs, y=ys, name=name, marker_color=color, customdata=hover,
                  hovertemplate=template, **shown)


def wrap_label(text: str, width: int = WRAP_CHARS) -> str:
    """A long axis label on several lines (plotly does not wrap them)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _category(spec: ChartSpec, value: Any, lang: str) -> Any:
    """An x value as the axis shows it: times as they are (plotly reads dates), whole
    numbers bare, the rest by their names in ``lang``."""
    if spec.x.kind == "time":
        return value
    if spec.x.numeric and is_number(value):
        return f"{value:g}"  # the bucket of a distribution: 5 stars, 3 orders
    return wrap_label(cell_text(spec.x, value, lang))


def build_figure(spec: ChartSpec, columns: list[ResultColumn], rows: list[list[Any]],
                 lang: str = "en") -> go.Figure:
    """The plotly figure for ``spec`` over the result's rows."""
    index = {c.name: i for i, c in enumerate(columns)}
    shown = list(dict.fromkeys(r[index[spec.x.name]] for r in rows))[:MAX_CATEGORIES]
    data = rows if spec.kind == "line" else \
        [r for r in rows if r[index[spec.x.name]] in shown]  # whole groups: every series'
    xs = [_category(spec, r[index[spec.x.name]], lang) for r in data]
    fig = go.Figure()
    if spec.kind == "share":
        totals = [sum(r[index[p.name]] or 0 for p in spec.y) or 1 for r in data]
        for n, part in enumerate(spec.y):
            values = [r[index[part.name]] or 0 for r in data]
            shares = [100 * v / t for v, t in zip(values, totals, strict=True)]
            hover = [f"{x}: {s:.1f}% ({cell_text(part, v, lang)})"
                     for x, s, v in zip(xs, shares, values, strict=True)]
            fig.add_trace(_trace(spec, part.label, xs, shares, hover,
                                 part.color or PALETTE[n % len(PALETTE)]))
    elif spec.series is not None:
        groups: dict[str, list[list[Any]]] = {}
        for row in data:
            groups.setdefault(cell_text(spec.series, row[index[spec.series.name]], lang),
                              []).append(row)
        measure = spec.y[0]
        for n, (name, members) in enumerate(groups.items()):
            gx = [_category(spec, r[index[spec.x.name]], lang) for r in members]
            values = [r[index[measure.name]] for r in members]
            hover = [f"{x}: {cell_text(measure, v, lang)}" for x, v in zip(gx, values,
                                                                          strict=True)]
            fig.add_trace(_trace(spec, name, gx, [_plotted(measure, v) for v in values],
                                 hover, PALETTE[n % len(PALETTE)]))
    else:
        for n, measure in enumerate(spec.y):
            values = [r[index[measure.name]] for r in data]
            texts = [cell_text(measure, v, lang) for v in values]
            hover = [f"{x}: {t}" for x, t in zip(xs, texts, strict=True)]
            labelled = spec.kind == "bar" and len(data) <= MAX_LABELLED_BARS
            fig.add_trace(_trace(spec, measure.label, xs,
                                 [_plotted(measure, v) for v in values], hover,
                                 PALETTE[n % len(PALETTE)], texts if labelled else None))
    lines = max((str(x).count("<br>") + 1 for x in xs), default=1)
    _lay_out(fig, spec, len(data), lines)
    return fig


def _lay_out(fig: go.Figure, spec: ChartSpec, bars: int, lines: int) -> None:
    """Axes, title, legend and a height that gives each horizontal bar room for its label
    (``lines`` lines at most)."""
    value_axis = {"ticksuffix": "%", "range": [0, 100]} if spec.kind == "share" else \
        _axis_format(spec.y[0])
    value_axis["title"] = spec.y[0].label if len(spec.y) == 1 and spec.kind != "share" else ""
    category_axis: dict[str, Any] = {"title": spec.x.label}
    if spec.x.kind != "time":
        category_axis["type"] = "category"
    if spec.horizontal:
        category_axis["autorange"] = "reversed"  # the first row on top, as in the table
        xaxis, yaxis = value_axis, category_axis
    else:
        xaxis, yaxis = category_axis, value_axis
    stacked = spec.kind in ("stacked_bar", "share")
    fig.update_layout(
        title={"text": spec.title, "x": 0.01, "y": 0.98, "yanchor": "top",
               "font": {"size": 15}},
        template="plotly_white", margin={"l": 10, "r": 30, "t": 72, "b": 10},
        xaxis=xaxis, yaxis=yaxis, barmode="stack" if stacked else "group",
        height=max(HEIGHT, bars * (BAR_LINE_PX * lines + BAR_GAP_PX) + 150)
        if spec.horizontal else HEIGHT,
        font={"family": "Inter, 'Noto Sans KR', sans-serif"},
        showlegend=len(fig.data) > 1,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "traceorder": "normal", "title": {"text": spec.series.label if spec.series
                                                  else ""}},
    )
