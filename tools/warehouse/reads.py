"""Reading the warehouse from code: rows as dicts, paging past the row cap, safe literals.

Every read still goes through ``Warehouse.run_query`` and its guard. Values put into SQL
here are either integers or strings rendered as BigQuery literals by sqlglot, never text
pasted between quotes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlglot import exp

from tools.warehouse import SqlError, get_warehouse

PAGE = 400  # below the default row cap (CYMBAL_MAX_ROWS=500), so a page is never truncated


def sql_string(value: str) -> str:
    """``value`` as a BigQuery string literal (quotes and backslashes escaped)."""
    return exp.Literal.string(str(value)).sql("bigquery")


def sql_strings(values: Iterable[str]) -> str:
    """A comma-separated list of string literals, for ``IN (…)``."""
    return ", ".join(sql_string(v) for v in values)


def sql_ints(values: Iterable[int]) -> str:
    """A comma-separated list of integers, for ``IN (…)``; each value is forced to ``int``."""
    return ", ".join(str(int(v)) for v in values)


def rows(sql: str, max_rows: int | None = None) -> list[dict[str, Any]]:
    """The rows of one query as dicts.

    With ``max_rows`` the query is expected to stop there (its first rows are what is
    wanted); without, a result cut at the row cap is an error, never a silent loss.
    """
    result = get_warehouse().run_query(sql, max_rows=max_rows)
    if result.truncated and max_rows is None:
        raise SqlError("truncated", "A query returned more rows than the row cap "
                       "(CYMBAL_MAX_ROWS); page it (keyset_pages) or limit it.")
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def first_row(sql: str) -> dict[str, Any] | None:
    """The first row of a query as a dict, or None when it returns nothing."""
    found = rows(sql, max_rows=1)
    return found[0] if found else None


def chunks(values: list[int], size: int = PAGE) -> Iterator[list[int]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def keyset_pages(build: Callable[[int | None, int], str], key: str,
                 limit: int | None = None) -> list[dict[str, Any]]:
    """All rows of a query paged on an increasing integer ``key``.

    ``build(after, page)`` returns SQL for the rows with ``key > after`` (no condition when
    ``after`` is None), ordered by ``key``, limited to ``page`` rows.
    """
    out: list[dict[str, Any]] = []
    after: int | None = None
    while limit is None or len(out) < limit:
        page = PAGE if limit is None else min(PAGE, limit - len(out))
        batch = rows(build(after, page))
        out.extend(batch)
        if len(batch) < page:
            break
        after = int(batch[-1][key])
    return out


def table_columns(table: str) -> dict[str, str] | None:
    """The columns (name -> BigQuery type) of ``table``, or None if the warehouse lacks it."""
    catalog = get_warehouse().catalog()
    return dict(catalog.columns(table)) if catalog.has_table(table) else None
