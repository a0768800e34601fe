"""The offline model through the real ADK runner: questions in English and Korean,
follow-ups within a conversation, declines with suggestions, the CLI, and new intents
added from a knowledge file."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.runner import ChatService, TurnResult
from cli.main import app
from pipeline.warehouse_writer import open_for_update
from tests.conftest import reset_caches
from tools.warehouse import get_warehouse
from tools.warehouse.schema import load_schema


def scalar(sql: str) -> Any:
    return get_warehouse().run_query(sql).rows[0][0]


def numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)}


@pytest.fixture()
def chat(settings) -> ChatService:
    return ChatService(settings=settings, model="offline")


def converse(chat: ChatService, *questions: str) -> list[TurnResult]:
    session = chat.new_session_id()

    async def go() -> list[TurnResult]:
        return [await chat.ask(q, session_id=session) for q in questions]
    return asyncio.run(go())


def test_english_question_runs_sql_and_answers_with_the_number(chat):
    [turn] = converse(chat, "How many customers live in Busan?")
    assert [c.name for c in turn.tool_calls] == ["run_sql"]
    assert "address_city = 'Busan'" in turn.sql[0]
    expected = scalar("SELECT COUNT(*) FROM cymbal.customers WHERE address_city = 'Busan'")
    assert expected in numbers(turn.answer) and "Busan" in turn.answer
    assert turn.model == "Built-in offline model"


def test_korean_question_gets_a_korean_answer(chat):
    [turn] = converse(chat, "부산에 사는 로열 고객은 몇 명이야?")
    expected = scalar("SELECT COUNT(*) FROM cymbal.customers WHERE address_city = 'Busan' "
                      "AND loyalty_member")
    assert expected in numbers(turn.answer)
    assert re.search(r"[가-힣]", turn.answer) and "부산" in turn.answer
    assert "로열 고객" in turn.answer  # the filter it applied, in words


def test_follow_ups_swap_and_add_values(chat):
    first, second, third = converse(chat, "How many customers live in Busan?", "And in Daegu?",
                                    "now only loyal members")
    assert "'Daegu'" in second.sql[0] and "'Busan'" not in second.sql[0]
    assert scalar("SELECT COUNT(*) FROM cymbal.customers WHERE address_city = 'Daegu'") \
        in numbers(second.answer)
    assert "'Daegu'" in third.sql[0] and "loyalty_member" in third.sql[0]
    assert scalar("SELECT COUNT(*) FROM cymbal.customers WHERE address_city = 'Daegu' "
                  "AND loyalty_member") in numbers(third.answer)


def test_korean_follow_up_narrows_a_breakdown(chat):
    first, second = converse(chat, "도시별 평균 평점 알려줘", "그중 여성 고객만")
    assert first.last_table is not None and len(first.last_table.rows) == 18
    assert "Female" in second.sql[0] and "address_city" in second.sql[0]
    female = get_warehouse().run_query(
        "SELECT c.address_city, ROUND(AVG(r.rating), 2) FROM cymbal.customer_reviews AS r "
        "JOIN cymbal.customers AS c ON c.customer_id = r.customer_id "
        "WHERE c.gender = 'Female' GROUP BY 1")
    got = {row[0]: row[1] for row in second.last_table.rows}
    assert got == {city: value for city, value in female.rows}
    assert "여성" in second.answer


def test_follow_ups_add_or_replace_a_breakdown(chat):
    """"and by gender" breaks the last answer down further, "by month instead" replaces its
    breakdown; a breakdown after an answer it does not fit is declined, never answered by a
    stored question with another measure."""
    cities, more, monthly, loyalty = converse(
        chat, "What is the average order value by city?", "split that by gender too",
        "by month instead", "성별로도 나눠줘")
    by_both = get_warehouse().run_query(
        "SELECT c.address_city, c.gender, ROUND(SUM(o.sale_price * o.quantity) "
        "/ COUNT(DISTINCT o.order_id), 0) FROM cymbal.orders AS o JOIN cymbal.customers AS c "
        "ON c.customer_id = o.customer_id WHERE o.status IN ('Complete', 'Shipped') "
        "GROUP BY 1, 2")
    got = {(r[0], r[1]): r[2] for r in more.last_table.rows}
    assert got.keys() == {(city, gender) for city, gender, _ in by_both.rows}
    assert all(abs(got[city, gender] - value) <= 1 for city, gender, value in by_both.rows)
    assert len(monthly.last_table.rows) == 12 and "address_city" not in monthly.sql[0]
    assert "average order value" in monthly.answer.lower() and "by month" in monthly.answer
    assert {r[1] for r in loyalty.last_table.rows} == {"Female", "Male", "Other"}
    assert "월, 성별" in loyalty.answer or "월·성별" in loyalty.answer
    [stored, declined] = converse(chat, "Describe the champions cluster", "and by gender")
    assert declined.tool_calls == [] and "GOOGLE_API_KEY" in declined.answer


def test_follow_up_keeps_the_top_n_and_adds_a_filter(chat):
    first, second = converse(chat, "What are the top 5 products in Seoul?",
                             "what about for loyal members?")
    assert len(first.last_table.rows) == 5
    assert "'Seoul'" in second.sql[0] and "loyalty_member" in second.sql[0]
    assert len(second.last_table.rows) == 5


def test_out_of_scope_is_declined_with_three_suggestions(chat):
    for question in ("What is our conversion rate?", "광고비는 얼마나 썼어?"):
        [turn] = converse(chat, question)
        assert turn.tool_calls == [] and turn.sql == []
        suggestions = re.findall(r"^\d\. (.+)$", turn.answer, re.M)
        assert len(suggestions) == 3 and len(set(suggestions)) == 3
        assert "GOOGLE_API_KEY" in turn.answer
    assert re.search(r"[가-힣]", turn.answer) and re.search(r"[가-힣]", suggestions[0])


def test_a_value_that_cannot_apply_is_declined_not_ignored(chat):
    [turn] = converse(chat, "How many products are out of stock in Busan?")
    assert turn.sql == []  # products have no city: not answered as if Busan were not said
    assert "Busan" in turn.answer  # says which part it could not apply


def test_a_stored_question_answers_only_what_was_asked(chat):
    # a closer stored question that also groups by city is passed over for the one that fits
    [sizes] = converse(chat, "Which persona segment has the most customers?")
    assert sizes.sql and "address_city" not in sizes.sql[0]
    # asked for a percentage: the stored revenue-by-category amounts do not answer it
    [share] = converse(chat, "카테고리별 매출 비중을 퍼센트로 알려줘")
    assert share.sql and ("100 *" in share.sql[0] or "share" in share.sql[0])


def test_the_future_is_not_answered(chat):
    [turn] = converse(chat, "Predict next month's revenue")
    assert turn.sql == []


def test_derived_questions_wait_for_their_tables(built_data_dir, tmp_path, monkeypatch):
    """On the base tables alone, a sentiment question names the missing table."""
    copy = tmp_path / "data"
    shutil.copytree(built_data_dir, copy)
    base = {name for name, spec in load_schema().items() if spec.origin != "derived"}
    with open_for_update(copy / "cymbal.duckdb") as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_name NOT LIKE '\\_%' ESCAPE '\\'").fetchall():
            if table not in base:
                con.execute(f'DROP TABLE "{table}"')
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(copy))
    reset_caches()
    try:
        [turn] = converse(ChatService(model="offline"),
                          "What is the distribution of review sentiment?")
    finally:
        get_warehouse().close()
        reset_caches()
    assert turn.sql == [] and len(re.findall(r"^\d\. ", turn.answer, re.M)) == 3
    assert "multimodal_customer_reviews" in turn.answer and "cymbal setup" in turn.answer


def test_help_lists_example_questions(chat):
    [turn] = converse(chat, "What can you do?")
    assert turn.tool_calls == [] and len(re.findall(r"^- ", turn.answer, re.M)) >= 4


def test_answer_survives_a_restart_of_the_service(settings):
    session = ChatService.new_session_id()
    first = ChatService(settings=settings, model="offline")
    asyncio.run(first.ask("How many reviews came from Instagram?", session_id=session))
    second = ChatService(settings=settings, model="offline")
    turn = asyncio.run(second.ask("What about Facebook?", session_id=session))
    assert "'Facebook'" in turn.sql[0]
    assert scalar("SELECT COUNT(*) FROM cymbal.customer_reviews "
                  "WHERE social_media_source = 'Facebook'") in numbers(turn.answer)


def test_cli_ask_json(settings):
    result = CliRunner().invoke(app, ["ask", "2025년 11월 매출은?", "--json", "--model",
                                      "offline"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["tool_calls"][0]["name"] == "run_sql"
    assert "'2025-11-01'" in payload["sql"][0] and payload["columns"][0] == "revenue"
    revenue = scalar("SELECT ROUND(SUM(quantity * sale_price)) FROM cymbal.orders "
                     "WHERE status IN ('Complete', 'Shipped') AND order_datetime >= '2025-11-01' "
                     "AND order_datetime < '2025-12-01'")
    assert payload["rows"][0][0] == revenue and f"{int(revenue):,}" in payload["answer"]


def test_new_capabilities_plug_in_through_intent_files(settings, tmp_path, monkeypatch):
    """An intent file and a writer add a capability without touching the planner."""
    from google.adk.agents import LlmAgent
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    import tools.sql.intents as intents
    from agent.offline import planner
    from agent.offline.answers import AnswerContext, register_writer
    from agent.offline.llm import OfflineLlm
    from tools.registry import agent_tools

    (tmp_path / "lookup.yaml").write_text(
        "intents:\n"
        "  - id: customer_card\n"
        "    tool: customer_card\n"
        "    phrasings:\n"
        "      en: ['Open the customer card of customer {customer_id}']\n"
        "      ko: ['고객 {customer_id} 카드 열어줘']\n"
        "    slots: {customer_id: 1001}\n"
        "    args: {customer_id: '{customer_id}'}\n", encoding="utf-8")
    original = intents.load_intents.__wrapped__
    monkeypatch.setattr(planner, "load_intents", lambda: original(tmp_path))
    planner._planners.clear()

    def customer_card(customer_id: int) -> dict[str, Any]:
        """A customer's card."""
        return {"customer_id": customer_id, "city": "Suwon"}

    @register_writer("customer_card")
    def write_card(ctx: AnswerContext) -> str:
        return f"Card {ctx.response['customer_id']} ({ctx.response['city']})"

    agent = LlmAgent(name="ext", model=OfflineLlm(), tools=[*agent_tools(), customer_card])
    runner = Runner(agent=agent, app_name="ext", session_service=InMemorySessionService(),
                    auto_create_session=True)

    async def ask(text: str) -> list[Any]:
        return [e async for e in runner.run_async(
            user_id="u", session_id="s",
            new_message=types.Content(role="user", parts=[types.Part(text=text)]))]
    try:
        events = asyncio.run(ask("open the customer card of customer 1007"))
    finally:
        planner._planners.clear()
    calls = [p.function_call for e in events for p in (e.content.parts if e.content else [])
             if p.function_call]
    assert calls[0].name == "customer_card" and calls[0].args == {"customer_id": 1007}
    assert events[-1].content.parts[0].text == "Card 1007 (Suwon)"


def test_rows_with_several_measures_name_each_measure_in_the_answers_language():
    from agent.offline.answers import leading_rows

    columns, rows = ["month", "positive", "negative"], [["2025-01", 23, 6], ["2025-02", 63, 44]]
    assert leading_rows(columns, rows, "ko", every_measure=True) == \
        "2025-01 (긍정 23, 부정 6), 2025-02 (긍정 63, 부정 44)"
    assert leading_rows(columns, rows, "en", every_measure=True).startswith(
        "2025-01 (positive 23, negative 6)")
    assert leading_rows(columns, rows, "en") == "2025-01 23, 2025-02 63"
