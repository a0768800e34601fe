"""A result table as the panel's grid shows it: human headers in the question's language, the
key column first, widths that fit the content, numbers formatted and right-aligned.

The grid keeps the raw values (so sorting stays numeric) and shows each cell's text through
a pandas ``Styler``; the CSV download keeps the original column names and values.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
import pandas as pd
from pandas.io.formats.style import Styler

from tools.results import Table
from ui.result_columns import ResultColumn, cell_text, result_columns

CHAR_PX = 9  # the width of one Latin character in the grid's font (Montserrat, 14 px)
HEADER_EXTRA_PX = 34  # the header's padding and its menu button
CELL_EXTRA_PX = 24  # the cell's padding, and a little slack
MIN_PX = 64
MAX_PX = {"text": 400, "numeric": 160, "other": 240}
FIT_PX = 470  # the panel's width at 1440 px: columns that fit share it; wider grids scroll
MIN_WRAPPED_PX = 120
MEASURED_ROWS = 200


@dataclass
class TableView:
    """What the grid needs: raw values under human headers (``styler.data``), the cell texts
    (the styler's display values), the widths."""

    styler: Styler
    widths: list[str]
    datatypes: list[str]  # "number" for numeric columns, else "str"


def key_first(columns: list[ResultColumn]) -> list[int]:
    """Column order for reading: the key first, then the rest as the query gave them, and ids
    other than the key last (a product's id matters less than its name). The key is the
    first column unless it is a number (``customers, address_city``) or an id before a name
    (``cluster_id, name``): then the first column that names what the row is about."""
    order = list(range(len(columns)))
    if not columns:
        return order
    named = len(columns) > 1 and columns[1].kind == "category"
    if columns[0].numeric or (columns[0].kind == "id" and named):
        key = next((i for i, c in enumerate(columns) if c.kind in ("category", "time")),
                   next((i for i, c in enumerate(columns) if not c.numeric), 0))
        order.remove(key)
        order.insert(0, key)
    rest = order[1:]
    return order[:1] + [i for i in rest if columns[i].kind != "id"] + \
        [i for i in rest if columns[i].kind == "id"]


def text_width(text: str) -> float:
    """Width in Latin characters: Korean and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header_width(label: str) -> float:
    """The width of a header on at most two lines, broken between words."""
    words = label.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return min([text_width(label), *(max(text_width(a), text_width(b)) for a, b in splits)])


def column_width(column: ResultColumn, texts: list[str]) -> int:
    """Pixels that show the header on one or two lines and most cells whole, within the
    kind's cap."""
    header = header_width(column.label) * CHAR_PX + HEADER_EXTRA_PX
    widest = max((text_width(t) for t in texts), default=0) * CHAR_PX + CELL_EXTRA_PX
    cap = MAX_PX["text" if column.kind == "text" else
                 "numeric" if column.numeric else "other"]
    return int(max(MIN_PX, min(max(header, widest), max(cap, header))))


def width_settings(columns: list[ResultColumn], pixels: list[int]) -> list[str]:
    """Shares of the panel when the columns fit it — after narrowing the columns that wrap
    (names, categories, text) as far as ``MIN_WRAPPED_PX`` if need be — else pixels, and the
    grid scrolls sideways with its key column pinned."""
    widths = [float(p) for p in pixels]
    excess = sum(widths) - FIT_PX
    wrapping = [i for i, c in enumerate(columns) if c.kind in ("name", "category", "text")
                and widths[i] > MIN_WRAPPED_PX]
    room = sum(widths[i] - MIN_WRAPPED_PX for i in wrapping)
    if 0 < excess <= room:
        for i in wrapping:
            widths[i] -= excess * (widths[i] - MIN_WRAPPED_PX) / room
    total = sum(widths)
    if total <= FIT_PX + 0.5:
        return [f"{100 * w / total:.1f}%" for w in widths]
    return [f"{round(w)}px" for w in widths]


def _unique(labels: list[str], names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for label, name in zip(labels, names, strict=True):
        out.append(label if label not in seen else f"{label} ({name})")
        seen.add(out[-1])
    return out


def table_view(table: Table, lang: str) -> TableView:
    """The grid for ``table`` with headers and cells in ``lang``; a column that reads exactly
    like one before it (a segment's code shown by its name, beside its name) is shown once."""
    described = result_columns(table.columns, table.rows, lang)
    texts: list[list[str]] = []
    kept: list[int] = []
    for i in key_first(described):
        column_texts = [cell_text(described[i], row[i] if i < len(row) else None, lang)
                        for row in table.rows]
        if described[i].numeric or column_texts not in texts:
            texts.append(column_texts)
            kept.append(i)
    shown = [described[i] for i in kept]
    rows = [[row[i] if i < len(row) else None for i in kept] for row in table.rows]
    headers = _unique([c.label for c in shown], [c.name for c in shown])
    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    styler = frame.style
    for column, header in zip(shown, headers, strict=True):
        styler = styler.format(lambda v, c=column: cell_text(c, v, lang), subset=[header])
        if column.numeric:
            styler = styler.set_properties(subset=[header], **{"text-align": "right"})
    pixels = [column_width(c, t[:MEASURED_ROWS]) for c, t in zip(shown, texts, strict=True)]
    return TableView(styler=styler, widths=width_settings(shown, pixels),
                     datatypes=["number" if c.numeric else "str" for c in shown])


def header_css(view: TableView, element_id: str) -> str:
    """Right-aligns the headers of numeric columns (the grid cannot be told per column)."""
    rules = [f'#{element_id} th[data-heading="{i}"] .header-content '
             "{ flex: 1 1 auto; justify-content: flex-end; text-align: right; }"
             for i, kind in enumerate(view.datatypes) if kind == "number"]
    return f"<style>{' '.join(rules)}</style>" if rules else ""
