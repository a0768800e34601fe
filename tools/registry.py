"""The agent's tools, in one list: each capability module contributes its functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def agent_tools() -> list[Callable[..., Any]]:
    """Every tool the root agent may call (plain typed functions; ADK builds the schemas)."""
    return []
