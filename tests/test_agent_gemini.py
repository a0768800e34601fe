"""The Gemini path for real: ADK's Runner and Gemini model, the google-genai client, and a
local server speaking the Gemini REST API that replays function calls and failures."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from agent.runner import ChatService
from config.settings import get_settings
from tests.conftest import reset_caches
from tests.gemini_stub import (
    GeminiStub,
    Reply,
    call_reply,
    error_reply,
    text_reply,
    use_gemini_stub,
)
from tools.warehouse import get_warehouse


def count_customers(city: str) -> dict[str, Any]:
    """Count the customers who live in ``city`` (English name)."""
    result = get_warehouse().run_query(
        "SELECT COUNT(*) AS customers FROM cymbal.customers WHERE address_city = "
        f"'{city.replace(chr(39), '')}'")
    return {"city": city, "customers": result.rows[0][0]}


def explode(city: str) -> dict[str, Any]:
    """A tool that always fails."""
    raise RuntimeError(f"backend unavailable for {city}")


@pytest.fixture()
def gemini(settings, monkeypatch):
    """A stub Gemini server and a factory of ChatServices pointed at it."""
    monkeypatch.setattr("agent.agent.agent_tools", lambda: [count_customers, explode])
    with GeminiStub() as stub:
        use_gemini_stub(monkeypatch, stub.base_url, CYMBAL_MODEL_TIMEOUT_S="2",
                        CYMBAL_MODEL_MAX_RETRIES="2")

        def service() -> ChatService:
            return ChatService()

        yield stub, service
    reset_caches()


def ask(service: ChatService, text: str, session: str | None = None):
    """One turn; a fresh session unless one is named."""
    return asyncio.run(service.ask(text, session_id=session))


def function_responses(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [part["functionResponse"] for content in request["body"]["contents"]
            for part in content.get("parts", []) if "functionResponse" in part]


def test_auto_picks_gemini_when_a_key_exists(gemini):
    _, service = gemini
    chat = service()
    assert chat.model_choice.kind == "gemini"
    assert get_settings().has_gemini_credentials


def test_function_call_round_trip(gemini):
    stub, service = gemini
    seoul = get_warehouse().run_query(
        "SELECT COUNT(*) FROM customers WHERE address_city = 'Seoul'").rows[0][0]
    stub.script = [call_reply("count_customers", {"city": "Seoul"}),
                   text_reply(f"Seoul has {seoul} customers.")]
    result = ask(service(), "How many customers live in Seoul?")
    assert [c.name for c in result.tool_calls] == ["count_customers"]
    assert result.tool_calls[0].ok and result.tool_calls[0].response["customers"] == seoul
    assert result.answer == f"Seoul has {seoul} customers."
    sent = function_responses(stub.generate_requests[1])
    assert sent and sent[0]["response"]["customers"] == seoul
    # the agent's instruction and the tool's schema reached the model
    first = stub.generate_requests[0]["body"]
    assert "Cymbal" in json.dumps(first["systemInstruction"])
    declared = [f["name"] for t in first["tools"] for f in t["functionDeclarations"]]
    assert declared == ["count_customers", "explode"]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_are_retried(gemini, status):
    stub, service = gemini
    stub.script = [error_reply(status), error_reply(status), text_reply("Recovered.")]
    result = ask(service(), "hello")
    assert result.answer == "Recovered."
    assert len(stub.generate_requests) == 3


def test_persistent_failure_is_explained(gemini):
    stub, service = gemini
    stub.script = [error_reply(503)] * 3
    result = ask(service(), "hello")
    assert result.answer.startswith("The model call failed (server)")


def test_auth_error_is_explained_without_retry(gemini):
    stub, service = gemini
    stub.script = [error_reply(403, "API key not valid")]
    result = ask(service(), "hello")
    assert "(auth)" in result.answer and "GOOGLE_API_KEY" in result.answer
    assert len(stub.generate_requests) == 1


def test_timeout_is_explained(gemini):
    stub, service = gemini
    stub.script = [Reply(delay_s=3, body={})] * 3
    result = ask(service(), "hello")
    assert result.answer.startswith("The model call failed")
    assert "timeout" in result.answer or "server" in result.answer


def test_garbage_output_is_explained(gemini):
    stub, service = gemini
    stub.script = [Reply(raw=b"<html>proxy error</html>")]
    result = ask(service(), "hello")
    assert result.answer.startswith("The model call failed")


def test_unknown_tool_goes_back_to_the_model_as_data(gemini):
    stub, service = gemini
    stub.script = [call_reply("drop_all_tables", {"really": True}), text_reply("Sorry.")]
    result = ask(service(), "delete everything")
    assert result.tool_calls[0].ok is False
    sent = function_responses(stub.generate_requests[1])[0]["response"]
    assert sent["error"] == "unknown_tool"
    assert "count_customers" in sent["suggestions"]
    assert result.answer == "Sorry."


def test_tool_exception_and_bad_arguments_go_back_as_data(gemini):
    stub, service = gemini
    stub.script = [call_reply("explode", {"city": "Seoul"}, ("count_customers", {"town": "x"})),
                   text_reply("Both failed.")]
    result = ask(service(), "try")
    assert [c.ok for c in result.tool_calls] == [False, False]
    errors = {r["name"]: r["response"] for r in function_responses(stub.generate_requests[1])}
    assert errors["explode"]["error"] == "tool_failed"
    assert "backend unavailable" in errors["explode"]["message"]
    assert "mandatory input parameters" in errors["count_customers"]["error"]  # ADK's own check
    assert "city" in errors["count_customers"]["error"]


def test_runaway_tool_loop_is_cut_off(gemini, monkeypatch):
    stub, service = gemini
    monkeypatch.setenv("CYMBAL_MAX_MODEL_CALLS_PER_TURN", "3")
    reset_caches()
    stub.fallback = lambda body: call_reply("count_customers", {"city": "Seoul"})
    result = ask(service(), "loop forever")
    assert len(stub.generate_requests) == 3
    assert "stopped after 3 model steps" in result.answer


def test_session_rate_limit(gemini, monkeypatch):
    stub, service = gemini
    monkeypatch.setenv("CYMBAL_SESSION_RATE_LIMIT_PER_MINUTE", "2")
    reset_caches()
    stub.fallback = lambda body: text_reply("ok")
    chat = service()
    assert ask(chat, "one", "limited").answer == "ok"
    assert ask(chat, "two", "limited").answer == "ok"
    third = ask(chat, "three", "limited")
    assert "limit of 2 model calls per minute" in third.answer
    assert len(stub.generate_requests) == 2
    assert ask(chat, "other session", "free").answer == "ok"  # limits are per session


def test_conversation_survives_a_restart(gemini):
    stub, service = gemini
    stub.script = [text_reply("First answer.")]
    assert ask(service(), "first question", "persist").answer == "First answer."
    stub.script = [text_reply("Second answer.")]
    restarted = service()  # a new process would build a new service on the same data dir
    assert ask(restarted, "and a follow-up", "persist").answer == "Second answer."
    history = json.dumps(stub.generate_requests[-1]["body"]["contents"], ensure_ascii=False)
    assert "first question" in history and "First answer." in history
    stored = asyncio.run(restarted.history("persist"))
    assert [c.role for c in stored] == ["user", "model", "user", "model"]


def test_answer_streams_in_pieces(gemini):
    stub, service = gemini
    stub.script = [text_reply("Seoul has the most customers of all eighteen cities.")]

    async def collect():
        return [e async for e in service().stream("Which city is biggest?", "streaming")]

    events = asyncio.run(collect())
    deltas = [e.text for e in events if e.kind == "delta"]
    finals = [e.text for e in events if e.kind == "text"]
    assert len(deltas) == 2 and "".join(deltas) == finals[0]
    assert stub.generate_requests[0]["method"] == "streamGenerateContent"
