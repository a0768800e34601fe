"""CSV files the product writes (campaign review sheets, the chat's table downloads), safe to
open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets: a customer whose first name is
``=HYPERLINK("http://evil.example/x","Click")`` would become a live link in the marketer's
sheet. Such a text cell is written with a leading single quote (OWASP's advice), which the
spreadsheet shows as text. Numbers stay numbers: a number value, and a number written as text
(``-3.5``) in a column that holds only numbers, are written as they are.
"""

from __future__ import annotations

import csv
import decimal
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, decimal.Decimal)):
        return True
    return isinstance(value, str) and _NUMBER.fullmatch(value) is not None


def safe_cell(value: Any, numeric_column: bool = False) -> Any:
    """``value`` as a spreadsheet will not run it: formula-like text gets a leading ``'``."""
    if value is None or (_is_number(value) and (numeric_column or not isinstance(value, str))):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else value


def safe_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Every cell made safe; a column is numeric when all its non-empty values are numbers."""
    numeric = [all(_is_number(v) for v in column if v not in (None, ""))
               for column in zip(*rows, strict=True)]
    return [[safe_cell(v, numeric[i]) for i, v in enumerate(row)] for row in rows]


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """A UTF-8 CSV (with a BOM, so spreadsheet apps read Korean correctly), every cell and
    header made safe."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(c) for c in columns])
        writer.writerows(safe_rows(rows))
    return path
