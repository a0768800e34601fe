"""The offline model's planner: decide the next tool call, or the final answer.

Starting point only: it declines every question. The text-to-SQL work replaces it with
retrieval over the sample questions, slot filling and answer writing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.genai import types


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    text: str


def plan_next_step(contents: list[types.Content], available_tools: set[str]) -> ToolCall | Answer:
    """The next step for the conversation ``contents``."""
    return Answer("I can't answer that yet.")
