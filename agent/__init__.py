"""The Cymbal marketing agent package.

ADK's tools (``adk web``, ``adk run``, ``adk eval``) find ``root_agent`` in ``agent.agent``.
That module is imported lazily, on first access to ``agent.agent`` or ``agent.root_agent``,
so that importing ``config.settings`` (as every tool and pipeline does) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "agent":
        return importlib.import_module("agent.agent")
    if name == "root_agent":
        return importlib.import_module("agent.agent").root_agent
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
