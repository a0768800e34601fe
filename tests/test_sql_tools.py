"""The LLM path's SQL tools: context for a question, and run_sql whose errors come back as
data so a model corrects itself, a bounded number of times per turn — driven through the
real ADK runner by a scripted model."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator
from typing import Any

from google.adk.agents import LlmAgent
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types

from tests.conftest import reset_caches
from tools.customers.lookup import unknown_customer_ids
from tools.registry import agent_tools
from tools.sql.tools import get_sql_context
from tools.warehouse import get_warehouse


class ScriptedLlm(BaseLlm):
    """Sends the scripted queries in order until one succeeds, then answers."""

    model: str = "scripted"
    script: list[str] = []

    async def generate_content_async(self, llm_request: LlmRequest,
                                     stream: bool = False) -> AsyncGenerator[LlmResponse, None]:
        last = llm_request.contents[-1].parts[-1]
        responses = _turn_responses(llm_request.contents)
        if last.function_response is not None and "error" not in (last.function_response.response
                                                                  or {}):
            part = types.Part(text=f"rows: {last.function_response.response['row_count']}")
        elif len(responses) < len(self.script):
            part = types.Part(function_call=types.FunctionCall(
                name="run_sql", args={"sql": self.script[len(responses)]}))
        else:
            part = types.Part(text="I could not write a working query.")
        yield LlmResponse(content=types.Content(role="model", parts=[part]))


def _turn_responses(contents: list[types.Content]) -> list[dict[str, Any]]:
    """run_sql responses since the last user message."""
    out: list[dict[str, Any]] = []
    for content in contents:
        for part in content.parts or []:
            if part.text and content.role == "user":
                out = []
            elif part.function_response is not None:
                out.append(dict(part.function_response.response or {}))
    return out


def run_turns(script: list[str], questions: list[str]) -> list[list[dict[str, Any]]]:
    """Tool responses of each turn, run through an ADK Runner with the agent's tools."""
    agent = LlmAgent(name="scripted", model=ScriptedLlm(script=script), tools=agent_tools())
    runner = Runner(agent=agent, app_name="t", session_service=InMemorySessionService(),
                    auto_create_session=True)

    async def go() -> list[list[dict[str, Any]]]:
        turns = []
        for question in questions:
            responses = []
            async for event in runner.run_async(
                    user_id="u", session_id="s",
                    new_message=types.Content(role="user", parts=[types.Part(text=question)])):
                for part in (event.content.parts if event.content else None) or []:
                    if part.function_response is not None:
                        responses.append(dict(part.function_response.response or {}))
            turns.append(responses)
        return turns
    return asyncio.run(go())


def test_errors_come_back_as_data_and_the_model_corrects_itself(settings):
    turn = run_turns(["SELECT cty, COUNT(*) AS n FROM cymbal.customers GROUP BY cty",
                      "SELECT address_city, COUNT(*) AS n FROM cymbal.customers "
                      "GROUP BY address_city"], ["customers per city"])[0]
    assert turn[0]["error"] == "unknown_column"
    assert "customers.address_city" in turn[0]["suggestions"]
    assert turn[0]["attempts_left"] == settings.sql_max_attempts - 1
    assert turn[1]["row_count"] == 18 and turn[1]["columns"] == ["address_city", "n"]
    assert turn[1]["sql"].startswith("SELECT address_city") and "18 rows" in turn[1]["summary"]


def test_retries_are_bounded_per_turn(settings):
    bad = ["SELECT nope FROM cymbal.customers"] * (settings.sql_max_attempts + 2)
    first, second = run_turns(bad, ["try", "try again"])
    codes = [r["error"] for r in first]
    assert codes[: settings.sql_max_attempts] == ["unknown_column"] * settings.sql_max_attempts
    assert set(codes[settings.sql_max_attempts:]) == {"retry_limit"}
    assert second[0]["error"] == "unknown_column"  # a new turn starts with fresh attempts
    assert second[0]["attempts_left"] == settings.sql_max_attempts - 1


def test_refused_statements_never_run(settings):
    turn = run_turns(["DELETE FROM cymbal.customers WHERE TRUE",
                      "SELECT COUNT(*) AS n FROM cymbal.customers"], ["delete"])[0]
    assert turn[0]["error"] == "not_a_query"
    assert turn[1]["rows"] == [[2000]]


def test_no_rows_for_a_customer_who_does_not_exist_says_so(settings):
    def response(sql: str) -> dict[str, Any]:
        return run_turns([sql], ["a question"])[0][0]

    first = get_warehouse().run_query("SELECT MIN(customer_id) FROM customers").rows[0][0]
    empty = response("SELECT r.rating FROM cymbal.customer_reviews r "
                     f"WHERE r.customer_id = {first} AND FALSE")
    assert empty["row_count"] == 0 and "unknown_customers" not in empty
    one_known = response("SELECT c.first_name FROM cymbal.customers c "
                         f"WHERE c.customer_id IN (999999, {first})")
    assert one_known["row_count"] == 1 and "unknown_customers" not in one_known
    missing = response("SELECT c.first_name FROM cymbal.customers c "
                       "WHERE c.customer_id = 999999")
    assert missing["unknown_customers"] == [999999]
    assert missing["suggestions"] and not unknown_customer_ids(map(int, missing["suggestions"]))
    assert "no customer 999999" in missing["summary"]


def test_rows_are_capped_with_a_truncated_flag(settings, monkeypatch):
    monkeypatch.setenv("CYMBAL_SQL_RESULT_ROWS", "5")
    reset_caches()
    turn = run_turns(["SELECT customer_id FROM cymbal.customers"], ["ids"])[0]
    assert turn[0]["row_count"] == 5 and turn[0]["truncated"] is True


def test_context_hands_over_tables_examples_glossary_and_values(settings):
    context = get_sql_context("부산 고객의 평균 평점은?")
    assert "avg_rating_in_city" in {_sample_id(e["question"]) for e in context["examples"]}
    tables = {t["table"] for t in context["tables"]}
    assert {"cymbal.customers", "cymbal.customer_reviews"} <= tables
    city = next(c for t in context["tables"] if t["table"] == "cymbal.customers"
                for c in t["columns"] if c["name"] == "address_city")
    assert "Busan" in city["values"]
    assert {"words": "부산", "type": "city", "value": "Busan",
            "condition": "customers.address_city = 'Busan'"} in context["recognized_values"]
    assert context["latest_data_date"].startswith("2025-12")
    assert "orders" in context["available_tables"]
    unhappy = get_sql_context("How many unhappy customers are there?")
    assert any("negative" in g and "neutral" in g for g in unhappy["glossary"])


def test_context_works_before_the_vector_index_exists(settings, tmp_path, monkeypatch):
    shutil.copy(settings.duckdb_path, tmp_path / "cymbal.duckdb")
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(tmp_path))
    reset_caches()
    context = get_sql_context("How many customers live in each city?")
    assert context["examples"] and context["examples"][0]["sql"].startswith("SELECT")
    assert {"words": "each city"} not in context["recognized_values"]


def _sample_id(question: str) -> str:
    from tools.sql.knowledge import load_samples

    return next(s.id for s in load_samples() if s.example_question("en") == question)
