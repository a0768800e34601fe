"""The running app under load from another process: 20 concurrent chat sessions on
127.0.0.1, three turns each, bounded in time. Zero errors, every conversation its own, and
the latency figures printed (longer runs: ``cymbal bench --load``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.runner import TurnResult
from benchmarks.app_load import AppProcess, run_load
from config.settings import Settings, get_settings

USERS = 20


def test_twenty_concurrent_chat_sessions(built_data_dir: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with AppProcess(built_data_dir, tmp_path / "app.log") as app:
        result = run_load(app, users=USERS, loops=1, duration_s=150)
    summary = result.summary()
    with capsys.disabled():
        print(f"\nload test, cold start {app.cold_start_s:.1f} s: {json.dumps(summary)}")
    assert result.errors == []
    assert result.turns == USERS * 3
    conversations = [s for sessions in result.sessions.values() for s in sessions]
    assert len(conversations) == len(set(conversations)) == USERS  # one each, none shared


def test_concurrent_turns_share_the_sqlite_session_store(own_data: Settings) -> None:
    """Many conversations at once on the persistent session store (what the app uses): no
    turn fails with "database is locked" (it did before the store waited and used WAL)."""
    import asyncio

    from agent.runner import ChatService

    chat = ChatService(settings=own_data, model="offline")
    questions = ["How many customers live in Busan?", "Only the loyalty members"]

    async def conversation() -> list[str]:
        session = chat.new_session_id()
        return [(await chat.ask(q, session_id=session)).answer for q in questions]

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(conversation() for _ in range(30)))

    answers = asyncio.run(everyone())
    assert all("Busan" in a for pair in answers for a in pair), answers[0]


def test_concurrent_turns_on_one_conversation_all_answered_in_order(
        own_data: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """35 messages sent at once on one conversation (two tabs, an impatient user): each waits
    for the one before it, so every turn is answered and stored, none fails with ADK's
    "Session already exists" / "modified in storage" (31 of 35 did before turns queued)."""
    import asyncio

    from agent.conversation import read_turns
    from agent.runner import ChatService
    from tools.vocabulary.cities import city_spellings

    monkeypatch.setenv("CYMBAL_SESSION_RATE_LIMIT_PER_MINUTE", "1000")  # queuing, not limits
    get_settings.cache_clear()
    chat = ChatService(settings=get_settings(), model="offline")
    cities = list(city_spellings())
    questions = [f"How many customers live in {cities[i % len(cities)]}?" for i in range(35)]
    session = chat.new_session_id()

    async def everyone() -> list[TurnResult]:
        return await asyncio.gather(*(chat.ask(q, session_id=session) for q in questions))

    results = asyncio.run(everyone())
    for question, result in zip(questions, results, strict=True):
        city = question.removeprefix("How many customers live in ").rstrip("?")
        assert city in result.answer and result.sql, (question, result.answer)
    stored = read_turns(asyncio.run(chat.history(session)))
    assert sorted(t.text for t in stored) == sorted(questions)
    assert all(len(t.replies) == 1 and t.calls for t in stored)
