"""The warehouse reads behind the segment, customer and recommendation tools.

Every read goes through the warehouse's safe query path (the same guard as the agent's own
SQL). Values from a request reach SQL only as integers or as string literals rendered by
sqlglot. Tools report failures as data: ``{"error", "message", "suggestions"}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlglot import exp

from tools.vocabulary.segments import is_korean
from tools.warehouse import SqlError, get_warehouse

F = TypeVar("F", bound=Callable[..., dict[str, Any]])
SETUP_HINT = "Build the segment tables with: cymbal setup"


def fetch(sql: str, max_rows: int = 500) -> list[dict[str, Any]]:
    """Rows of a BigQuery-dialect query as dicts (JSON-safe values)."""
    result = get_warehouse().run_query(sql, max_rows=max_rows)
    return [dict(zip(result.columns, row)) for row in result.rows]


def fetch_one(sql: str) -> dict[str, Any] | None:
    rows = fetch(sql, max_rows=1)
    return rows[0] if rows else None


def literal(value: str) -> str:
    """``value`` as a BigQuery string literal, safely quoted."""
    return exp.Literal.string(value).sql(dialect="bigquery")


def table(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    """``{"columns", "rows"}`` for the UI from a list of dicts."""
    return {"columns": columns, "rows": [[row.get(c) for c in columns] for row in rows]}


def error(code: str, message: str, suggestions: list[str] | list[int] | None = None,
          **extra: Any) -> dict[str, Any]:
    """A tool failure as data."""
    return {"error": code, "message": message, "suggestions": list(suggestions or []), **extra}


def pick_language(language: str, *texts: str) -> str:
    """``en`` or ``ko``: the requested language, else Korean when any text has Hangul."""
    wanted = (language or "").strip().lower()
    if wanted in ("ko", "kr", "korean", "한국어"):
        return "ko"
    if wanted in ("en", "english", "영어"):
        return "en"
    return "ko" if any(is_korean(t) for t in texts if t) else "en"


def errors_as_data(tool: F) -> F:
    """Turn every exception of ``tool`` into an error dict: tools never raise."""
    @functools.wraps(tool)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return tool(*args, **kwargs)
        except SqlError as err:
            if err.code in ("unknown_table", "warehouse_missing"):
                return error("not_built", f"The segment tables are not available: "
                             f"{err.message}", hint=SETUP_HINT)
            return error(err.code, err.message, err.suggestions)
        except Exception as err:  # noqa: BLE001 - a tool reports, never raises
            return error("internal", f"{tool.__name__} failed: {type(err).__name__}: {err}")
    return wrapper  # type: ignore[return-value]
