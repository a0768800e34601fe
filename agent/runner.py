"""Running conversation turns through the real ADK ``Runner`` with persistent sessions.

``ChatService`` is what the CLI, the UI and the evaluation use: one runner over the root
agent, sessions stored in SQLite under the data folder (a conversation survives a
restart), and each turn reported as a stream of events or one ``TurnResult``.

Turns of one conversation run one at a time, in the order they arrive (two browser tabs on
one conversation, or a message sent while the answer to the last one still streams): ADK
sessions cannot take two turns at once. A turn runs to its end even when whoever reads its
stream stops reading ("New chat" in the UI), so the conversation is stored complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.runners import Runner
from google.adk.sessions import BaseSessionService, DatabaseSessionService
from google.genai import types
from sqlalchemy import event

from agent.conversation import ConversationReader, ToolCallRecord, read_turns
from agent.follow_ups import follow_up_questions
from agent.models import build_model
from config.model_choice import ModelChoice, choose_model
from config.settings import Settings, get_settings
from tools.registry import agent_tools
from tools.results import Table
from tools.warehouse import SqlError

logger = logging.getLogger(__name__)
APP_NAME = "cymbal"
DEFAULT_USER = "marketer"
SQLITE_BUSY_TIMEOUT_S = 30  # a writer waits this long for another before "database is locked"
FOLLOW_UP_PLANNERS = 1  # conversations whose follow-up chips are planned at once; others skip


@dataclass
class TurnEvent:
    """One thing that happened in a turn.

    ``tool_call`` / ``tool_result`` carry the tool record; ``delta`` is a streamed piece of
    answer text; ``text`` is one complete model message (after its deltas, if any).
    """

    kind: str  # tool_call | tool_result | delta | text
    tool: ToolCallRecord | None = None
    text: str = ""


@dataclass
class TurnResult:
    answer: str
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    model: str = ""
    session_id: str = ""
    elapsed_ms: float = 0.0

    @property
    def sql(self) -> list[str]:
        """SQL statements that ran, as the agent wrote them."""
        return [c.args["sql"] for c in self.tool_calls
                if c.ok and "sql" in c.args and isinstance(c.args["sql"], str)]

    @property
    def last_table(self) -> Table | None:
        """The last tabular tool result (columns and rows), if any."""
        for call in reversed(self.tool_calls):
            table = Table.from_response(call.response) if call.ok else None
            if table is not None:
                return table
        return None

    def to_json(self) -> dict[str, Any]:
        table = self.last_table
        return {
            "answer": self.answer,
            "tool_calls": [c.summary() for c in self.tool_calls],
            "sql": self.sql,
            "columns": table.columns if table else [],
            "rows": table.rows if table else [],
            "model": self.model,
            "session_id": self.session_id,
        }


class TurnQueue:
    """One turn at a time per conversation; later turns wait in arrival order (asyncio locks
    are fair). A conversation's lock exists only while one of its turns runs or waits."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def busy(self) -> bool:
        """Whether any conversation has a turn running or waiting."""
        return bool(self._locks)

    @asynccontextmanager
    async def turn(self, user_id: str, session_id: str) -> AsyncIterator[None]:
        key = (user_id, session_id)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def sqlite_sessions(path: Path) -> DatabaseSessionService:
    """ADK's SQLite session store, safe for concurrent turns (the UI runs several at once):
    write-ahead logging, so reading a conversation never waits for a writer, and a busy
    timeout, so a writer waits for another instead of failing with "database is locked"."""
    service = DatabaseSessionService(db_url=f"sqlite+aiosqlite:///{path}",
                                     connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(service.db_engine.sync_engine, "connect", _write_ahead_log)
    return service


def _write_ahead_log(dbapi_connection: Any, connection_record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class ChatService:
    """Turns through the ADK runner on the configured (or given) model.

    Sessions are stored in SQLite under the data folder unless ``session_service`` is given
    (evaluation and benchmarks pass ADK's ``InMemorySessionService``: their conversations
    need no persistence, and the SQLite store costs a few hundred ms per turn).
    """

    def __init__(self, settings: Settings | None = None, model: str | None = None,
                 session_service: BaseSessionService | None = None) -> None:
        from agent.agent import build_root_agent

        base = settings or get_settings()
        self.settings = base.model_copy(update={"model": model}) if model else base
        self.model_choice: ModelChoice = choose_model(self.settings)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.session_service = session_service or sqlite_sessions(
            self.settings.data_dir / "sessions.db")
        self.agent = build_root_agent(model=build_model(self.settings))
        self.runner = Runner(agent=self.agent, app_name=APP_NAME,
                             session_service=self.session_service, auto_create_session=True)
        self._turns = TurnQueue()
        self._running: set[asyncio.Task[None]] = set()  # turns whose reader may have left
        self._offering = 0  # follow-up questions being planned right now

    def busy(self) -> bool:
        """Whether a turn of any conversation is running or waiting."""
        return self._turns.busy()

    @staticmethod
    def new_session_id() -> str:
        return uuid.uuid4().hex[:12]

    async def history(self, session_id: str, user_id: str = DEFAULT_USER) -> list[types.Content]:
        """The stored messages of a session (empty if it does not exist)."""
        session = await self.session_service.get_session(app_name=APP_NAME, user_id=user_id,
                                                         session_id=session_id)
        if session is None:
            return []
        return [e.content for e in session.events if e.content is not None]

    def check_message(self, text: str) -> str | None:
        """Why ``text`` cannot be sent to the agent, or None if it can."""
        if not text or not text.strip():
            return "Please type a question — for example “How many customers live in Seoul?”"
        limit = self.settings.max_message_chars
        if len(text) > limit:
            return (f"That message is {len(text):,} characters; the limit is {limit:,}. "
                    "Please shorten it or split it into several questions.")
        return None

    async def stream(self, text: str, session_id: str, user_id: str = DEFAULT_USER,
                     state: dict[str, Any] | None = None) -> AsyncIterator[TurnEvent]:
        """Run one turn, yielding tool calls, tool results and answer text as they happen.

        The turn waits for the conversation's earlier turns to finish, and runs in a task of
        its own: when the caller stops reading, it still finishes and is stored. ``state``
        is added to the session's state with the message (``temp:`` keys for this turn
        only)."""
        problem = self.check_message(text)
        if problem:
            yield TurnEvent("text", text=problem)
            return
        events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()
        task = asyncio.create_task(self._run_turn(text, session_id, user_id, state, events))
        self._running.add(task)
        task.add_done_callback(self._turn_done)
        while (item := await events.get()) is not None:
            yield item
        await task  # a turn that failed raises here, for the caller to report

    def _turn_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a conversation turn failed", exc_info=task.exception())

    async def _run_turn(self, text: str, session_id: str, user_id: str,
                        state: dict[str, Any] | None,
                        events: asyncio.Queue[TurnEvent | None]) -> None:
        try:
            async with self._turns.turn(user_id, session_id):
                async for event in self._turn_events(text, session_id, user_id, state):
                    events.put_nowait(event)
        finally:
            events.put_nowait(None)

    async def _turn_events(self, text: str, session_id: str, user_id: str,
                           state: dict[str, Any] | None) -> AsyncIterator[TurnEvent]:
        message = types.Content(role="user", parts=[types.Part(text=text)])
        reader = ConversationReader(timed=True)
        reader.read(message)
        config = RunConfig(streaming_mode=StreamingMode.SSE)
        async for event in self.runner.run_async(user_id=user_id, session_id=session_id,
                                                 new_message=message, run_config=config,
                                                 state_delta=state):
            if event.content is None or not event.content.parts:
                continue
            if event.partial:
                delta = "".join(p.text or "" for p in event.content.parts if not p.thought)
                if delta:
                    yield TurnEvent("delta", text=delta)
                continue
            if event.author == "user":
                continue
            for item in reader.read(event.content):
                if item.kind in ("tool_call", "tool_result"):
                    yield TurnEvent(item.kind, tool=item.record)
                elif item.kind == "text":
                    yield TurnEvent("text", text=item.text)

    async def follow_ups(self, session_id: str, user_id: str = DEFAULT_USER) -> list[str]:
        """Up to three questions to offer after the conversation's last answer, each one the
        offline model answers (``agent.follow_ups``); none when the data cannot be read, and
        none while other turns run or another conversation's are being planned: they are a
        courtesy, and under load the answers come first."""
        if self._offering >= FOLLOW_UP_PLANNERS or self.busy():
            logger.info("no follow-up questions for %s: the server is busy", session_id)
            return []
        self._offering += 1
        try:
            turns = read_turns(await self.history(session_id, user_id))
            return await asyncio.to_thread(  # planning them must not hold up other chats
                follow_up_questions, turns, {tool.__name__ for tool in agent_tools()})
        except SqlError:
            logger.warning("no follow-up questions: the warehouse cannot be read")
            return []
        finally:
            self._offering -= 1

    async def ask(self, text: str, session_id: str | None = None,
                  user_id: str = DEFAULT_USER) -> TurnResult:
        """Run one turn to completion."""
        session_id = session_id or self.new_session_id()
        started = time.perf_counter()
        calls: list[ToolCallRecord] = []
        texts: list[str] = []
        async for event in self.stream(text, session_id, user_id):
            if event.kind == "tool_call" and event.tool is not None:
                calls.append(event.tool)
            elif event.kind == "text":
                texts.append(event.text)
        return TurnResult(answer="".join(texts).strip(), tool_calls=calls,
                          model=self.model_choice.label, session_id=session_id,
                          elapsed_ms=round((time.perf_counter() - started) * 1000, 1))


__all__ = ["ChatService", "TurnEvent", "TurnResult"]
