"""Fixtures of the reliability suite: a private copy of the built data folder that a test may
damage, lock or fill with campaigns, and helpers to talk to the agent and to check that the
warehouse did not change."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from google.adk.sessions import InMemorySessionService

from agent.callbacks import RATE_LIMITER
from agent.runner import ChatService, TurnResult
from config.settings import Settings, get_settings
from tests.conftest import reset_caches
from tools.warehouse import get_warehouse

TABLES = ("customers", "products", "customer_reviews", "orders")


@pytest.fixture()
def own_data(built_data_dir: Path, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Offline settings on a copy of the built data folder (warehouse, indexes; no app
    database or sessions), which the test may change at will."""
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir,
                    ignore=shutil.ignore_patterns("app.db", "sessions.db", "exports", "*.log",
                                                  "reports"))
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY",
                "GOOGLE_GENAI_USE_VERTEXAI", "CYMBAL_SMTP_HOST"):
        monkeypatch.delenv(key, raising=False)
    RATE_LIMITER._calls.clear()
    reset_caches()
    yield get_settings()
    get_warehouse().close()
    reset_caches()


def offline_chat(settings: Settings) -> ChatService:
    return ChatService(settings=settings, model="offline",
                       session_service=InMemorySessionService())


def converse(chat: ChatService, *messages: str, session: str | None = None) -> list[TurnResult]:
    """The messages as one conversation, in order (a new one unless ``session`` is named)."""
    session = session or chat.new_session_id()

    async def go() -> list[TurnResult]:
        return [await chat.ask(m, session_id=session) for m in messages]
    return asyncio.run(go())


def fingerprint(path: Path) -> tuple[str, dict[str, int]]:
    """The warehouse file's SHA-256 and its base tables' row counts."""
    get_warehouse().close()  # no open connection may hold pages back
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con = duckdb.connect(str(path), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()
    return digest, counts


def env_chat() -> ChatService:
    """A ChatService on the model the environment chooses (in-memory sessions)."""
    return ChatService(session_service=InMemorySessionService())
