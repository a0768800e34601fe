"""Reading a conversation from the contents ADK hands a model: the user's turns, and the
tool calls and results that followed each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.genai import types


@dataclass
class Turn:
    """One user message and the tool calls made while answering it."""

    text: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def read_turns(contents: list[types.Content]) -> list[Turn]:
    """The user turns of ``contents`` in order (text parts from the user start a turn)."""
    turns: list[Turn] = []
    for content in contents:
        for part in content.parts or []:
            if part.function_call is not None:
                if turns:
                    call = part.function_call
                    turns[-1].calls.append((call.name or "", dict(call.args or {})))
            elif part.function_response is not None:
                if turns:
                    resp = part.function_response
                    turns[-1].responses.append((resp.name or "", dict(resp.response or {})))
            elif part.text and content.role == "user" and not part.thought:
                turns.append(Turn(text=part.text.strip()))
    return turns
