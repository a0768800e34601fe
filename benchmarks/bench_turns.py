"""Per-turn latency of the offline agent, end to end, by question type.

Usage: python benchmarks/bench_turns.py [--repeat 5] [--json OUT]

Each question goes through ``ChatService`` and the real ADK runner on the offline model, in a
fresh conversation (follow-ups after their first question, which is not timed), on the
configured data folder in a sandbox (the email question drafts into a scratch app database).
Two session stores are measured: ADK's SQLite store, which the app and ``cymbal ask`` use,
and the in-memory store of evaluations. The first turn of the process is reported on its own:
it loads the embedding model, the knowledge index and the warehouse.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Row, p50_p95, write_results  # noqa: E402

QUESTIONS: list[tuple[str, tuple[str, ...], str]] = [  # type, earlier turns, timed question
    ("count (EN)", (), "How many customers live in Busan?"),
    ("count (KO)", (), "부산에 사는 고객은 몇 명이야?"),
    ("breakdown", (), "What is the average review rating in each city?"),
    ("top N", (), "What are the top 5 best-selling products?"),
    ("follow-up", ("How many customers live in Busan?",), "Only the loyalty members"),
    ("schema", (), "What data can I ask about?"),
    ("review search", (), "Show me reviews that complain about product quality"),
    ("customer 360", (), "Tell me about customer 1099"),
    ("segments", (), "List the persona segments"),
    ("recommendation", (), "Recommend three products for customer 1099"),
    ("retention email", (), "Write a retention email for customer 1123"),
    ("declined", (), "What will our revenue be next year?"),
]


async def timed_turns(chat: Any, repeat: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for label, context, question in QUESTIONS:
        times, tools = [], set()
        for _ in range(repeat):
            session = chat.new_session_id()
            for earlier in context:
                await chat.ask(earlier, session_id=session)
            started = time.perf_counter()
            turn = await chat.ask(question, session_id=session)
            times.append((time.perf_counter() - started) * 1000)
            tools.update(c.name for c in turn.tool_calls)
        out[label] = {"ms": times, "tools": sorted(tools)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    process_started = time.perf_counter()
    from google.adk.sessions import InMemorySessionService

    from agent.runner import ChatService
    from evaluation.sandbox import sandbox

    rows: list[Row] = []
    data: dict[str, Any] = {}
    with sandbox() as settings:
        sqlite_chat = ChatService(settings=settings, model="offline")
        started = time.perf_counter()
        first = asyncio.run(sqlite_chat.ask("How many customers live in Seoul?"))
        cold_ms = (time.perf_counter() - started) * 1000
        since_start = time.perf_counter() - process_started
        rows.append(("first turn of a process (cold)", f"{cold_ms:,.0f} ms",
                     f"{since_start:.1f} s from process start to the answer; "
                     f"{'answered' if first.sql else 'not answered'}"))
        memory_chat = ChatService(settings=settings, model="offline",
                                  session_service=InMemorySessionService())
        for store, chat in (("SQLite sessions", sqlite_chat), ("in-memory sessions", memory_chat)):
            results = asyncio.run(timed_turns(chat, args.repeat))
            data[store] = results
            every = [t for r in results.values() for t in r["ms"]]
            rows.append((f"all question types, {store}: p50 / p95", p50_p95(every),
                         f"{len(every)} turns"))
            if store == "SQLite sessions":
                rows += [(f"  {label}", p50_p95(r["ms"]), ", ".join(r["tools"]) or "no tool")
                         for label, r in results.items()]
    write_results(args.json, "turns", rows, data)


if __name__ == "__main__":
    main()
