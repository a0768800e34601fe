"""The agent's tools, in one list: each capability module contributes its functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.review_search import search_reviews


def agent_tools() -> list[Callable[..., Any]]:
    """Every tool the root agent may call (plain typed functions; ADK builds the schemas)."""
    return [search_reviews]
