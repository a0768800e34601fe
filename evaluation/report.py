"""``cymbal eval``: the evalsets and the text-to-SQL harness on one model, in one report.

Both parts run in a sandbox (``evaluation.sandbox``) on in-memory ADK sessions, which
are read back afterwards for per-turn figures. The report holds the trajectory scores (by
name, and with the arguments the evalsets fix), execution accuracy per category, the
wrong-answer and declined rates, per-turn latency p50/p95, model calls and tool calls per
turn, and every miss; it is written as JSON and Markdown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.adk.sessions import InMemorySessionService

from config.settings import Settings, get_settings
from evaluation.evalsets import (
    APP_NAME,
    EvalsetReport,
    TurnOutcome,
    evalset_paths,
    run_evalsets,
)
from evaluation.sandbox import sandbox
from evaluation.sql_accuracy import BLIND_SQL, EvalReport, evaluate
from evaluation.tool_accuracy import (
    BLIND_TOOLS,
    ToolReport,
    load_requests,
    run_requests,
)
from evaluation.turn_stats import TurnStats, session_turns, summarize

Progress = Callable[[str], None]


@dataclass
class EvalRun:
    """One ``cymbal eval`` run."""

    model: str
    started: str
    elapsed_s: float
    evalsets: EvalsetReport
    sql: EvalReport | None
    turns: dict[str, list[TurnStats]]  # "evalsets" / "sql" / "blind" -> per-turn figures
    blind_sql: dict[str, EvalReport] = field(default_factory=dict)  # split -> report
    blind_tools: dict[str, ToolReport] = field(default_factory=dict)

    def per_turn(self) -> dict[str, dict[str, Any]]:
        everything = [t for part in self.turns.values() for t in part]
        return {"all": summarize(everything), **{k: summarize(v) for k, v in self.turns.items()}}

    def to_json(self) -> dict[str, Any]:
        sql = self.sql.to_json() if self.sql else None
        return {"model": self.model, "started": self.started, "elapsed_s": self.elapsed_s,
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                            "platform": platform.platform()},
                "trajectory": self.evalsets.to_json(), "execution_accuracy": sql,
                "blind": {"sql": {k: v.to_json() for k, v in self.blind_sql.items()},
                          "tools": {k: v.to_json() for k, v in self.blind_tools.items()}},
                "per_turn": self.per_turn()}

    def to_markdown(self) -> str:
        scores = self.evalsets.scores()
        lines = [f"# Evaluation — {self.model}", "",
                 f"{self.started} · {self.elapsed_s:.0f} s", "",
                 "## Tool trajectories (evals/*.evalset.json, IN_ORDER)", "",
                 f"Turns whose tool calls match: **{scores['args_score']:.1%}** with the "
                 f"arguments the evalsets fix, {scores['names_score']:.1%} by tool name; "
                 f"cases passed {scores['cases_passed']}/{scores['cases']}.", "",
                 "| evalset | cases passed | turns | by name | with arguments |",
                 "|---|---|---|---|---|"]
        for name, s in self.evalsets.by_evalset().items():
            lines.append(f"| {name} | {s['cases_passed']}/{s['cases']} | {s['turns']} | "
                         f"{s['names_score']:.1%} | {s['args_score']:.1%} |")
        lines.append("")
        lines += _misses(self.evalsets.failures())
        for key, error in self.evalsets.errors.items():
            lines.append(f"- {key} did not run: {error}")
        if self.sql is not None:
            lines += ["", "## Text-to-SQL execution accuracy (evals/sql_gold*.yaml)", "",
                      self.sql.to_markdown()]
        for split, report in self.blind_sql.items():
            lines += ["", f"## Blind questions, {split} split (evals/blind_{split}.yaml)", "",
                      "Written without looking at knowledge/; "
                      + ("never tuned on." if split == "test" else "may be tuned on."), "",
                      report.to_markdown()]
        for split, tools in self.blind_tools.items():
            lines += ["", f"## Blind tool requests, {split} split "
                      f"(evals/blind_tools_{split}.yaml)", "", tools.to_markdown()]
        lines += ["", "## Per turn", "",
                  "| turns of | turns | latency p50 | latency p95 | model calls / turn | "
                  "tool calls / turn |", "|---|---|---|---|---|---|"]
        for name, s in self.per_turn().items():
            if s["turns"]:
                lines.append(f"| {name} | {s['turns']} | {s['latency_p50_ms']:.0f} ms | "
                             f"{s['latency_p95_ms']:.0f} ms | {s['model_calls_per_turn']:.2f} "
                             f"(max {s['model_calls_max']}) | {s['tool_calls_per_turn']:.2f} |")
        return "\n".join(lines) + "\n"


def _call_text(calls: list[dict[str, Any]]) -> str:
    return ", ".join(f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)[:80]})"
                     if c["args"] else c["name"] for c in calls) or "no tool call"


def _misses(turns: Sequence[TurnOutcome]) -> list[str]:
    if not turns:
        return []
    lines = ["Turns that missed:"]
    for t in turns:
        how = "wrong arguments" if t.names_ok else "wrong or missing tool"
        lines.append(f"- {t.evalset}/{t.case} turn {t.turn} “{t.question}” ({how}): expected "
                     f"{_call_text(t.expected)}; got {_call_text(t.actual)}")
    return lines


def run_eval(model: str | None = None, evalsets: Sequence[Path] | None = None,
             sql: bool = True, settings: Settings | None = None,
             progress: Progress | None = None) -> EvalRun:
    """Run the evalsets and (unless ``sql`` is False) the SQL harness on ``model``."""
    from agent.agent import build_root_agent
    from agent.models import build_model
    from agent.runner import APP_NAME as CHAT_APP
    from agent.runner import ChatService
    from config.model_choice import choose_model

    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    with sandbox(settings) as scratch:
        chosen = scratch.model_copy(update={"model": model}) if model else scratch
        label = choose_model(chosen).label
        agent = build_root_agent(model=build_model(chosen))
        eval_sessions = InMemorySessionService()
        paths = list(evalsets) if evalsets is not None else evalset_paths()
        trajectories = asyncio.run(run_evalsets(agent, paths, eval_sessions,
                                                progress=progress))
        turns = {"evalsets": asyncio.run(session_turns(eval_sessions, APP_NAME))}
        report = None
        blind_sql: dict[str, EvalReport] = {}
        blind_tools: dict[str, ToolReport] = {}
        if sql:
            chat = ChatService(settings=scratch, model=model,
                               session_service=InMemorySessionService())
            report = evaluate(model=model, settings=scratch, service=chat,
                              progress=(lambda n, total: progress(f"sql {n}/{total}"))
                              if progress else None)
            turns["sql"] = asyncio.run(session_turns(chat.session_service, CHAT_APP))
            blind = ChatService(settings=scratch, model=model,
                                session_service=InMemorySessionService())
            blind_sql = {split: evaluate(model=model, gold_paths=[path], settings=scratch,
                                         service=blind, out_of_scope=False)
                         for split, path in BLIND_SQL.items()}
            blind_tools = {split: run_requests(blind, load_requests(path))
                           for split, path in BLIND_TOOLS.items()}
            turns["blind"] = asyncio.run(session_turns(blind.session_service, CHAT_APP))
    return EvalRun(model=label, started=started.isoformat(timespec="seconds"),
                   elapsed_s=round(time.perf_counter() - t0, 1), evalsets=trajectories, sql=report,
                   turns=turns, blind_sql=blind_sql, blind_tools=blind_tools)


def write_report(run: EvalRun, out_dir: Path | None = None) -> tuple[Path, Path]:
    """Write ``eval-<time>.json`` and ``.md`` under ``out_dir`` (default data/reports)."""
    folder = out_dir or get_settings().data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = run.started[:19].replace(":", "").replace("-", "").replace("T", "-")
    base = folder / f"eval-{stamp}"
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=1, default=str),
                         encoding="utf-8")
    md_path.write_text(run.to_markdown(), encoding="utf-8")
    return json_path, md_path
