"""Customer email addresses are masked in every tool result, in what tools leave in the session,
and in every answer — through the real ADK runner, the real tools and a poisoned warehouse;
only the delivery step (SMTP) gets the full address."""

from __future__ import annotations

import asyncio
import csv
import json
import re
from typing import Any

import gradio as gr
import pytest

from agent.runner import APP_NAME, DEFAULT_USER, ChatService, sqlite_sessions
from config.settings import Settings, get_settings
from tests.campaigns.smtp_server import Handler, LocalSmtp
from tests.exposure.conftest import PoisonedData
from tests.exposure.poison import FORMULA_NAME, OTHER_ADDRESS
from tests.exposure.scripted import Call, run_turn
from tests.gemini_stub import GeminiStub, call_reply, text_reply, use_gemini_stub
from tools.customers.pii import mask_email
from tools.registry import agent_tools
from ui.chat import ChatHandler
from ui.results import result_panel

# an address not in the masked form "m***@example.com"
FULL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def stored_session(settings: Settings, session_id: str) -> str:
    """Everything the session store keeps of a conversation, as JSON text."""
    service = sqlite_sessions(settings.data_dir / "sessions.db")
    session = asyncio.run(service.get_session(app_name=APP_NAME, user_id=DEFAULT_USER,
                                              session_id=session_id))
    assert session is not None
    return json.dumps({"events": [e.model_dump(mode="json") for e in session.events],
                       "state": session.state}, ensure_ascii=False, default=str)


def assert_masked(text: str, data: PoisonedData, where: str = "") -> None:
    assert FULL_ADDRESS.findall(text) == [], where
    lowered = text.lower()
    assert not [e for e in data.emails if e in lowered], where


@pytest.fixture()
def walk_settings(poisoned_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Room for one long scripted turn that calls every tool."""
    monkeypatch.setenv("CYMBAL_MAX_MODEL_CALLS_PER_TURN", "60")
    monkeypatch.setenv("CYMBAL_SESSION_RATE_LIMIT_PER_MINUTE", "200")
    get_settings.cache_clear()
    return get_settings()


def test_every_tool_result_and_answer_is_masked(walk_settings: Settings,
                                                poisoned_data: PoisonedData,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    p = poisoned_data.poisoned
    email = p.named_email
    one = f"FROM cymbal.customers AS c WHERE c.customer_id = {p.named}"
    script: list[Call] = [
        ("get_sql_context", {"question": "emails of customers in Busan"}),
        ("run_sql", {"sql": "SELECT c.customer_id, c.first_name, c.email FROM cymbal.customers "
                            "AS c WHERE c.address_city = 'Busan' ORDER BY c.customer_id"}),
        ("run_sql", {"sql": f"SELECT c.email AS contact {one}"}),  # the summary's first row
        ("run_sql", {"sql": f"SELECT CONCAT(c.email, '') AS a, LOWER(c.email) AS b, "
                            f"UPPER(c.email) AS d, STRUCT(c.email AS e) AS s {one}"}),
        ("run_sql", {"sql": "SELECT ARRAY_AGG(c.email ORDER BY c.customer_id) AS emails "
                            "FROM cymbal.customers AS c WHERE c.address_city = 'Busan'"}),
        ("run_sql", {"sql": "SELECT r.review_text FROM cymbal.customer_reviews AS r "
                            f"WHERE r.customer_review_id = {p.review_id}"}),
        ("run_sql", {"sql": f"SELECT CAST(c.email AS INT64) AS n {one}"}),  # the error echoes it
        ("search_reviews", {"query": "write to me at my address, not through the store",
                            "city": "Busan", "k": 50}),
        ("list_segments", {"kind": "all"}),
        ("describe_segment", {"name": "Younger_Adult_FEMALE_LOYAL"}),
        ("lookup_customer", {"customer": str(p.named)}),
        ("recommend_products", {"customer": str(p.named)}),
        ("draft_email", {"customer_id": p.named}),
        ("plan_campaign", {"customer_ids": [p.named, p.located, p.clean]}),
        ("create_campaign", {"customer_ids": [p.named, p.located, p.clean]}),  # dry run 2
        ("create_campaign", {"plan_id": 2}),  # the app database is new: the second dry run
        ("list_campaigns", {}),
        ("show_campaign", {"campaign_id": 0}),
        ("show_campaign", {"customer_id": p.named}),
        ("edit_campaign", {"instruction": "make it warmer"}),
        ("approve_emails", {"all_valid": True}),
        ("export_campaign", {"formats": "csv"}),
        ("send_campaign", {}),
    ]
    handler = Handler(refuse={p.located_email})  # one recipient refused: its error is reported
    with LocalSmtp(handler) as server:
        for key, value in server.settings_env().items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        first, answer = run_turn(walk_settings, "walk every tool", script,
                                 answer=f"Done; the first address is {email}.", session_id="walk")
        code = next(c.response["confirmation_code"] for c in first if c.name == "send_campaign")
        second, _ = run_turn(walk_settings, f"confirm send {code}",
                             [("send_campaign", {"confirmation_code": code}),
                              ("reject_emails", {"all_remaining": True}),
                              ("suppress_customers", {"customer_ids": [p.clean],
                                                      "reason": "complaint"}),
                              ("campaign_results", {})], session_id="walk")
    results = first + second
    assert {tool.__name__ for tool in agent_tools()} <= {c.name for c in results}
    for call in results:
        assert_masked(json.dumps(call.response, ensure_ascii=False), poisoned_data, call.name)
    assert_masked(answer, poisoned_data)
    assert mask_email(email) in answer  # the model's own text is masked too
    assert_masked(stored_session(walk_settings, "walk"), poisoned_data)

    by_name: dict[str, list[dict[str, Any]]] = {}
    for call in results:
        by_name.setdefault(call.name, []).append(call.response or {})
    queries = by_name["run_sql"]
    busan, contact, variants, aggregated, review, failed = queries
    assert [p.named, FORMULA_NAME, mask_email(email)] in busan["rows"]
    assert contact["rows"] == [[mask_email(email)]] and mask_email(email) in contact["summary"]
    assert variants["rows"][0][:3] == [mask_email(email), mask_email(email),
                                       mask_email(email.upper())]
    assert variants["rows"][0][3] == {"e": mask_email(email)}
    assert mask_email(email) in aggregated["rows"][0][0]
    assert mask_email(OTHER_ADDRESS) in review["rows"][0][0]
    assert "error" in failed and mask_email(email) in failed["message"]
    hits = by_name["search_reviews"][0]["reviews"]
    hit = next(h for h in hits if h["review_id"] == p.review_id)
    assert mask_email(OTHER_ADDRESS) in hit["snippet"]
    card = by_name["lookup_customer"][0]
    assert card["profile"]["email_masked"] == mask_email(email)
    assert any(mask_email(OTHER_ADDRESS) in str(row) for row in card["rows"])
    sent = by_name["send_campaign"][1]
    assert sent["sent"] == 1 and sent["failed"] == [p.located]
    # the delivery step, and only it, used the full address
    assert [m.recipients for m in server.received] == [[p.clean_email]]


@pytest.mark.parametrize("questions", [
    # a read question never acts ("show me customer emails in Busan" is declined offline):
    # the campaign drafts are where the offline model's results carry customers' addresses
    ["create a win-back campaign for unhappy customers in Busan", "go ahead",
     "부산 불만 고객 대상 캠페인 만들어줘", "좋아, 진행해"],
    ["look up customer {named}", "reviews from Busan saying the lid leaks"],
])
def test_the_offline_agent_and_the_result_panel_show_no_address(
        questions: list[str], poisoned_settings: Settings, poisoned_data: PoisonedData,
        tmp_path) -> None:
    """Real turns of the offline model through ChatService (streaming, SQLite sessions); the
    answer, the tool results, the stored session and the UI's table download are masked."""
    service = ChatService(poisoned_settings)
    session_id = service.new_session_id()
    shown: list[str] = []
    for question in questions:
        question = question.format(named=poisoned_data.poisoned.named)
        turn = asyncio.run(service.ask(question, session_id=session_id))
        assert turn.tool_calls and all(c.ok for c in turn.tool_calls), (question, turn.answer)
        assert_masked(json.dumps(turn.to_json(), ensure_ascii=False, default=str),
                      poisoned_data, question)
        assert_masked(json.dumps([c.response for c in turn.tool_calls], ensure_ascii=False),
                      poisoned_data, question)
        shown.append(json.dumps([turn.answer, [c.response for c in turn.tool_calls]],
                                ensure_ascii=False))
        panel = result_panel(question, turn.tool_calls, tmp_path / "downloads", "t")
        if panel.csv_path is not None:  # review search shows cards, not a table
            with panel.csv_path.open(encoding="utf-8-sig", newline="") as handle:
                download = json.dumps(list(csv.reader(handle)), ensure_ascii=False)
            assert_masked(download, poisoned_data, f"download of {question}")
            shown.append(download)
    assert_masked(stored_session(poisoned_settings, session_id), poisoned_data)
    if any("{named}" in q for q in questions):  # the 360's review table and its download
        assert "".join(shown).count(mask_email(OTHER_ADDRESS)) >= 2


def test_a_hosted_model_receives_no_address(poisoned_settings: Settings,
                                            poisoned_data: PoisonedData,
                                            monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Gemini (the real client and ADK model against a local stub of its REST API), through the
    UI's chat handler: rows of addresses reach the provider masked, and an address the model
    writes back (streamed in two pieces) is masked in the message the chat keeps."""
    p = poisoned_data.poisoned
    sql = ("SELECT c.email AS contact, LOWER(c.email) AS lower_contact FROM cymbal.customers "
           f"AS c WHERE c.customer_id = {p.named}")
    with GeminiStub() as stub:
        use_gemini_stub(monkeypatch, stub.base_url)
        stub.script = [call_reply("run_sql", {"sql": sql}),
                       text_reply(f"Write to {p.named_email} soon.")]
        handler = ChatHandler(ChatService(), tmp_path / "downloads")

        async def turn() -> list[Any]:
            return [view async for view in handler.respond("contacts?", [], "", gr.Request())]
        views = asyncio.run(turn())
    received = json.dumps([r["body"] for r in stub.generate_requests], ensure_ascii=False)
    assert_masked(received, poisoned_data, "what the provider received")
    assert mask_email(p.named_email) in received  # the rows did reach it, masked
    assert views[-1].chat[-1].content == f"Write to {mask_email(p.named_email)} soon."
    assert_masked(stored_session(get_settings(), views[-1].session_id), poisoned_data)
