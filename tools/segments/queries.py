"""What the segment, customer and recommendation tools share: language choice and failures as data.

Every read goes through the warehouse's safe query path (the same guard as the agent's own
SQL). Values from a request reach SQL only as integers or as string literals rendered by
sqlglot (``tools.warehouse.reads``). Tools report failures as data (``tools.results.failure``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from tools.results import failure
from tools.vocabulary.language import has_hangul
from tools.warehouse import SqlError

F = TypeVar("F", bound=Callable[..., dict[str, Any]])
SETUP_HINT = "Build the segment tables with: cymbal setup"


def pick_language(language: str, *texts: str) -> str:
    """``en`` or ``ko``: the requested language, else Korean when any text has Hangul."""
    wanted = (language or "").strip().lower()
    if wanted in ("ko", "kr", "korean", "한국어"):
        return "ko"
    if wanted in ("en", "english", "영어"):
        return "en"
    return "ko" if any(has_hangul(t) for t in texts if t) else "en"


def errors_as_data(tool: F) -> F:
    """Turn every exception of ``tool`` into an error dict: tools never raise."""
    @functools.wraps(tool)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return tool(*args, **kwargs)
        except SqlError as err:
            if err.code in ("unknown_table", "warehouse_missing"):
                return failure("not_built", f"The segment tables are not available: "
                               f"{err.message}", hint=SETUP_HINT)
            return failure(err.code, err.message, err.suggestions)
        except Exception as err:  # noqa: BLE001 - a tool reports, never raises
            return failure("internal", f"{tool.__name__} failed: {type(err).__name__}: {err}")
    return wrapper  # type: ignore[return-value]
