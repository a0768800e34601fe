"""Per-turn cost figures read back from ADK sessions: latency, model calls, tool calls.

A turn is one invocation of the agent (the user's message and everything it caused). A model
call is an event that carries usage metadata or a model version — the rule of ADK's
``inference_call_count_v1`` — so the offline model and Gemini are counted alike. Latency runs
from the user's event to the invocation's last event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.adk.events import Event
from google.adk.sessions import BaseSessionService


@dataclass(frozen=True)
class TurnStats:
    latency_ms: float
    model_calls: int
    tool_calls: int


def turn_stats(events: Sequence[Event]) -> list[TurnStats]:
    """One entry per invocation among ``events`` (a session's events, in order)."""
    turns: dict[str, list[Event]] = {}
    for event in events:
        turns.setdefault(event.invocation_id, []).append(event)
    out = []
    for group in turns.values():
        model_calls = sum(1 for e in group
                          if e.author != "user" and (e.usage_metadata or e.model_version))
        tool_calls = sum(1 for e in group for _ in e.get_function_calls())
        latency = (group[-1].timestamp - group[0].timestamp) * 1000
        out.append(TurnStats(latency_ms=round(latency, 1), model_calls=model_calls,
                             tool_calls=tool_calls))
    return out


async def session_turns(service: BaseSessionService, app_name: str) -> list[TurnStats]:
    """Every turn of every session the service holds for ``app_name``."""
    listed = await service.list_sessions(app_name=app_name)
    out: list[TurnStats] = []
    for brief in listed.sessions:
        session = await service.get_session(app_name=app_name, user_id=brief.user_id,
                                            session_id=brief.id)
        if session is not None:
            out += turn_stats(session.events)
    return out


def summarize(turns: Iterable[TurnStats]) -> dict[str, Any]:
    """p50/p95 latency and mean/max calls per turn."""
    items = list(turns)
    if not items:
        return {"turns": 0}
    latency = np.array([t.latency_ms for t in items])
    models = np.array([t.model_calls for t in items])
    tools = np.array([t.tool_calls for t in items])
    return {"turns": len(items),
            "latency_p50_ms": round(float(np.percentile(latency, 50)), 1),
            "latency_p95_ms": round(float(np.percentile(latency, 95)), 1),
            "latency_max_ms": round(float(latency.max()), 1),
            "model_calls_per_turn": round(float(models.mean()), 2),
            "model_calls_max": int(models.max()),
            "tool_calls_per_turn": round(float(tools.mean()), 2),
            "tool_calls_max": int(tools.max())}
