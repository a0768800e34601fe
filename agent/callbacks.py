"""Guardrail callbacks of the root agent.

- ``limit_model_calls`` (before each model call): a rate limit per session and a cap on
  model calls within one turn, so a looping model cannot run up cost or hang the chat.
- ``check_tool_args`` (before each tool call): arguments that name warehouse entities
  (customer ids) are checked against the warehouse first; bad ones go back to the model
  as data with the closest real values.
- ``tool_error_as_data`` (when a tool raises, or the model names a tool that does not
  exist): the failure goes back to the model as a structured result, never a crash.
- ``model_error_as_answer`` (when the model call fails after its retries): the user gets a
  clear message saying what failed.
- ``mask_tool_result`` (after every tool call, including the failures the callbacks above
  return) and ``mask_answer`` (after every model response): customer email addresses are
  masked before a model, the session store, the UI or its downloads see them. This is the
  one place every tool result passes through, so a new tool cannot forget it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import defaultdict, deque
from typing import Any

from google.adk.agents.callback_context import CallbackContext
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.tools.base_tool import BaseTool
from google.adk.tools.tool_context import ToolContext
from google.genai import types

from config.genai import describe_error
from config.settings import get_settings
from tools.customers.pii import mask_addresses, mask_values
from tools.results import failure

logger = logging.getLogger(__name__)

_TURN_CALLS_KEY = "temp:model_calls"  # temp: state lives for one invocation only


class SessionRateLimiter:
    """Sliding one-minute window of model calls per session."""

    def __init__(self) -> None:
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, session_id: str, per_minute: int, now: float | None = None) -> float:
        """0 if a call may go ahead now, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._calls[session_id]
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= per_minute:
                return round(60 - (now - window[0]), 1)
            window.append(now)
            return 0.0


RATE_LIMITER = SessionRateLimiter()


def _text_response(text: str, error_code: str | None = None) -> LlmResponse:
    return LlmResponse(content=types.Content(role="model", parts=[types.Part(text=text)]),
                       error_code=error_code, turn_complete=True)


def limit_model_calls(callback_context: CallbackContext,
                      llm_request: LlmRequest) -> LlmResponse | None:
    """Refuse a model call over the session's rate limit or the per-turn cap."""
    settings = get_settings()
    calls = int(callback_context.state.get(_TURN_CALLS_KEY, 0)) + 1
    callback_context.state[_TURN_CALLS_KEY] = calls
    if calls > settings.max_model_calls_per_turn:
        return _text_response(
            f"I stopped after {settings.max_model_calls_per_turn} model steps in one turn "
            "without reaching an answer. Try a narrower question.", "turn_limit")
    session_id = callback_context.session.id
    wait = RATE_LIMITER.allow(session_id, settings.session_rate_limit_per_minute)
    if wait:
        return _text_response(
            f"This conversation has reached its limit of {settings.session_rate_limit_per_minute}"
            f" model calls per minute. Please wait {wait:g} seconds and ask again.", "rate_limit")
    return None


def check_tool_args(tool: BaseTool, args: dict[str, Any],
                    tool_context: ToolContext) -> dict[str, Any] | None:
    """Check customer ids against the warehouse before a tool runs."""
    ids = _customer_ids(args)
    if not ids:
        return None
    from tools.customers.lookup import unknown_customer_ids

    try:
        unknown = unknown_customer_ids(ids)
    except Exception:  # noqa: BLE001 - a check that cannot run must not block the tool
        logger.warning("customer id check skipped for %s", tool.name, exc_info=True)
        return None
    if not unknown:
        return None
    return failure("unknown_customer", f"No customer with id {', '.join(map(str, unknown[:10]))}.",
                   _nearby_ids(unknown[0]))


def _customer_ids(args: dict[str, Any]) -> list[int]:
    values: list[Any] = []
    if "customer_id" in args:
        values.append(args["customer_id"])
    if isinstance(args.get("customer_ids"), list):
        values.extend(args["customer_ids"])
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue  # the tool reports a malformed id itself
    return ids


def _nearby_ids(customer_id: int) -> list[int]:
    from tools.customers.lookup import closest_ids

    try:
        return closest_ids(customer_id)
    except Exception:  # noqa: BLE001
        return []


def tool_error_as_data(tool: BaseTool, args: dict[str, Any], tool_context: ToolContext,
                       error: BaseException) -> dict[str, Any] | None:
    """Turn a tool exception (or an unknown tool name) into a result the model can read."""
    if isinstance(error, asyncio.CancelledError):
        return None
    if tool.description == "Tool not found":  # ADK's stand-in for a hallucinated name
        listed = re.search(r"Available tools: ([^\n]*)", str(error))
        available = [t.strip() for t in listed.group(1).split(",")] if listed else []
        return failure("unknown_tool", f"There is no tool named {tool.name!r}.",
                       [t for t in available if t])
    logger.warning("tool %s failed: %s", tool.name, type(error).__name__)
    return failure("tool_failed", f"{tool.name} failed: {type(error).__name__}: {str(error)[:300]}",
                   hint="Check the arguments against the tool's description and try again.")


def model_error_as_answer(callback_context: CallbackContext, llm_request: LlmRequest,
                          error: Exception) -> LlmResponse | None:
    """Answer with what failed when the model cannot be reached after its retries."""
    if (llm_request.model or "").startswith("offline"):  # a bug or damaged data, not Gemini
        logger.warning("offline model failed", exc_info=error)
        return _text_response(f"The offline model could not answer: {type(error).__name__}: "
                              f"{str(error)[:300]}", "offline_failed")
    failure = describe_error(error)
    logger.warning("model call failed: %s", failure.code)
    return _text_response(f"The model call failed ({failure.code}): {failure}", failure.code)


def mask_tool_result(tool: BaseTool, args: dict[str, Any], tool_context: ToolContext,
                     tool_response: Any) -> Any:
    """The tool's result, and what it left in the session state, with addresses masked.

    Only the delivery step (SMTP, hand-off files) reads full addresses, from the app
    database; nothing a tool returns needs one.
    """
    for key, value in list(tool_context.actions.state_delta.items()):
        masked = mask_values(value)
        if masked != value:
            tool_context.state[key] = masked
    return mask_values(tool_response)


def mask_answer(callback_context: CallbackContext,
                llm_response: LlmResponse) -> LlmResponse | None:
    """The model's text with addresses masked (function calls keep their arguments)."""
    parts = llm_response.content.parts if llm_response.content else None
    if not parts or not any(p.text and "@" in p.text for p in parts):
        return None
    masked = [p.model_copy(update={"text": mask_addresses(p.text)}) if p.text else p
              for p in parts]
    content = llm_response.content.model_copy(update={"parts": masked})
    return llm_response.model_copy(update={"content": content})
