"""The blind tool-request harness judges tool choice the way its docstring says."""

from __future__ import annotations

from google.adk.sessions import InMemorySessionService

from agent.runner import ChatService
from evaluation.tool_accuracy import BLIND_TOOLS, judge, load_requests, run_requests


def test_a_wildcard_needs_the_argument_present_and_not_empty() -> None:
    expected = {"tool": "search_reviews", "args": {"query": "*", "city": "Busan"}}
    assert judge(expected, [{"name": "search_reviews",
                             "args": {"query": "late delivery", "city": "busan"}}]) == "correct"
    assert judge(expected, [{"name": "search_reviews",
                             "args": {"query": "", "city": "Busan"}}]) == "wrong"
    assert judge(expected, [{"name": "search_reviews", "args": {"query": "x"}}]) == "wrong"
    assert judge(expected, [{"name": "run_sql", "args": {"sql": "SELECT 1"}}]) == "wrong"
    assert judge(expected, []) == "declined"


def test_numbers_compare_by_value() -> None:
    expected = {"tool": "lookup_customer", "args": {"customer": 3343}}
    assert judge(expected, [{"name": "lookup_customer",
                             "args": {"customer": "customer 3343"}}]) == "correct"


def test_every_split_loads_with_expectations() -> None:
    for path in BLIND_TOOLS.values():
        requests = load_requests(path)
        assert requests and all(t.get("text") for r in requests for t in r["turns"])
        assert any("expect" in t for r in requests for t in r["turns"])


def test_requests_run_through_the_adk_runner(settings) -> None:
    service = ChatService(settings=settings, model="offline",
                          session_service=InMemorySessionService())
    requests = [
        {"id": "a", "lang": "en", "turns": [{"text": "who is customer 1099?", "expect": {
            "tool": "lookup_customer", "args": {"customer": 1099}}}]},
        {"id": "b", "lang": "en", "turns": [{"text": "what will the weather be tomorrow?",
                                              "expect": {"tool": "search_reviews", "args": {}}}]},
    ]
    report = run_requests(service, requests)
    outcomes = {t.id: t.outcome for t in report.turns}
    assert outcomes == {"a": "correct", "b": "declined"}
    assert report.counts() == {"correct": 1, "wrong": 0, "declined": 1}
    assert "declined 1" in report.to_markdown()
