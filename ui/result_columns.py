"""The columns of a result as the panel shows them: a label in the question's language, a kind
settled by the name and the values, and each cell written for people (₩1,234, 12.3%, 서울).

Tables and charts both read results through ``result_columns`` and ``cell_text``, so a column
is named and formatted the same way in the grid, on an axis and in a hover.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from tools.sql.value_labels import value_label
from tools.vocabulary.columns import NUMERIC_KINDS, Kind, column_meaning
from ui.wording import phrase

TEXT_CHARS = 60  # strings longer than this on average are free text, not categories
_ISO_TIME = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2})?)?")
_PERCENT_WORDS = re.compile(r"pct|percent", re.IGNORECASE)


@dataclass(frozen=True)
class ResultColumn:
    """One column of a result, ready to show."""

    name: str
    label: str
    kind: Kind
    values: str | None = None  # the vocabulary that names its cells
    part: str | None = None  # the whole it is one part of
    color: str | None = None
    fraction: bool = False  # a share written as 0.25 rather than 25

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind_of_values(present: list[Any]) -> Kind:
    if present and all(isinstance(v, bool) for v in present):
        return "flag"
    if present and all(is_number(v) for v in present):
        return "count" if all(isinstance(v, int) for v in present) else "number"
    if present and all(isinstance(v, (dt.date, dt.datetime)) or
                       (isinstance(v, str) and _ISO_TIME.match(v)) for v in present):
        return "time"
    lengths = [len(str(v)) for v in present]
    return "text" if lengths and sum(lengths) / len(lengths) > TEXT_CHARS else "category"


def result_columns(columns: list[str], rows: list[list[Any]], lang: str) -> list[ResultColumn]:
    """Each column's label in ``lang`` and its kind (the values overrule a name that calls
    text a number)."""
    described = []
    for index, name in enumerate(columns):
        meaning = column_meaning(name)
        present = [row[index] for row in rows if index < len(row) and row[index] is not None]
        found = _kind_of_values(present)
        kind = meaning.kind or found
        if kind in NUMERIC_KINDS and present and found not in ("count", "number"):
            kind = found  # "revenue" that holds text is not an amount
        fraction = (kind == "percent" and not _PERCENT_WORDS.search(name) and bool(present)
                    and all(is_number(v) and abs(v) <= 1 for v in present))
        described.append(ResultColumn(name=name, label=meaning.label(lang), kind=kind,
                                      values=meaning.values, part=meaning.part,
                                      color=meaning.color, fraction=fraction))
    return described


def _time_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).replace("T", " ")
    return text[:16] if _ISO_TIME.match(text) else text


def _number_text(column: ResultColumn, value: float) -> str:
    whole = float(value).is_integer()
    if column.kind == "money":
        return f"₩{value:,.0f}"
    if column.kind == "percent":
        return f"{value * (100 if column.fraction else 1):.1f}%"
    if column.kind == "rating":
        return f"{value:.0f}" if whole else f"{value:.2f}"  # 4 stars; an average of 3.43
    if column.kind == "years":
        return f"{value:.0f}" if whole else f"{value:.1f}"
    if column.kind == "count":
        return f"{value:,.0f}" if whole else f"{value:,.1f}"
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def cell_text(column: ResultColumn, value: Any, lang: str) -> str:
    """How one cell reads: numbers with their unit and separators, dates without seconds,
    values of a vocabulary by their names, yes or no."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return phrase("yes" if value else "no", lang)
    if column.numeric and is_number(value):
        return _number_text(column, value)
    if column.kind == "time":
        return _time_text(value)
    if column.values:
        return value_label(column.values, value, lang)
    return str(value)
