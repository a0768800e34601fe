"""Reading a conversation: ADK contents -> the user's turns, their tool calls and replies.

One reader serves the three places that need it: the runner (events as they stream), the UI
(a stored session rebuilt after a reload) and the offline model (the contents ADK hands a
model). A tool call is paired with its result by call id, or by tool name when a model
gives no ids.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from google.genai import types

from tools.results import is_failure


@dataclass
class ToolCallRecord:
    name: str
    args: dict[str, Any]
    ok: bool | None = None  # None while running
    response: dict[str, Any] | None = None
    duration_ms: float | None = None
    call_id: str = ""
    started: float = field(default_factory=time.perf_counter, repr=False, compare=False)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "args": self.args, "ok": bool(self.ok)}

    def finish(self, response: dict[str, Any] | None, timed: bool) -> None:
        """Record the tool's result (and, when ``timed``, how long it took)."""
        self.response = dict(response or {})
        self.ok = not is_failure(self.response)
        if timed:
            self.duration_ms = round((time.perf_counter() - self.started) * 1000, 1)


@dataclass
class Turn:
    """One user message, the tool calls made while answering it and the replies."""

    text: str
    calls: list[ToolCallRecord] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def responses(self) -> list[dict[str, Any]]:
        """The results of this turn's finished tool calls, in order."""
        return [c.response for c in self.calls if c.response is not None]


@dataclass(frozen=True)
class Item:
    """One thing read from a content: ``user`` or ``text`` (a model reply) carry ``text``;
    ``tool_call`` and ``tool_result`` carry the call's record."""

    kind: str
    text: str = ""
    record: ToolCallRecord | None = None


class ConversationReader:
    """Reads contents one at a time (as they stream, or from a stored session)."""

    def __init__(self, timed: bool = False) -> None:
        self.timed = timed
        self.turns: list[Turn] = []
        self._open: dict[str, ToolCallRecord] = {}

    def read(self, content: types.Content) -> list[Item]:
        items: list[Item] = []
        for part in content.parts or []:
            if part.function_call is not None:
                call = part.function_call
                record = ToolCallRecord(name=call.name or "", args=dict(call.args or {}),
                                        call_id=call.id or call.name or "")
                self._open[record.call_id] = record
                if self.turns:
                    self.turns[-1].calls.append(record)
                items.append(Item("tool_call", record=record))
            elif part.function_response is not None:
                resp = part.function_response
                record = self._open.pop(resp.id or resp.name or "", None)
                if record is None:  # a result whose call was not seen: keep it all the same
                    record = ToolCallRecord(name=resp.name or "", args={},
                                            call_id=resp.id or resp.name or "")
                    if self.turns:
                        self.turns[-1].calls.append(record)
                record.finish(resp.response, self.timed)
                items.append(Item("tool_result", record=record))
            elif part.text and not part.thought:
                if content.role == "user":
                    self.turns.append(Turn(text=part.text.strip()))
                    items.append(Item("user", text=part.text))
                else:
                    if self.turns:
                        self.turns[-1].replies.append(part.text)
                    items.append(Item("text", text=part.text))
        return items


def read_turns(contents: list[types.Content]) -> list[Turn]:
    """The user turns of ``contents`` in order."""
    reader = ConversationReader()
    for content in contents:
        reader.read(content)
    return reader.turns
