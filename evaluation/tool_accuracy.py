"""Does the agent pick the right tool with the right arguments for non-SQL requests?

Each request of ``evals/blind_tools_{dev,dev2,test}.yaml`` (written without looking at the knowledge base)
is a conversation of one or more turns through the real ADK runner, in a scratch copy of
the data folder (``evaluation.sandbox``: campaigns it drafts go there); a turn with an
``expect`` is right when a call of the expected tool in that turn carries every expected
argument (``"*"``: present and not empty; values compared as ``evaluation.trajectory``
compares them), declined when the turn called no tool, and wrong otherwise (another tool,
or the tool with other arguments). ``python -m evaluation.tool_accuracy`` prints the report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.settings import PROJECT_ROOT, Settings, get_settings
from evaluation.console import progress, publish
from evaluation.sandbox import sandbox
from evaluation.sql_accuracy import BLIND_SPLITS
from evaluation.trajectory import same_arg

BLIND_TOOLS = {split: PROJECT_ROOT / "evals" / f"blind_tools_{split}.yaml"
               for split in BLIND_SPLITS}  # same splits as the SQL questions
TOOL_REQUESTS = BLIND_TOOLS["dev"]
ANY = "*"


@dataclass
class TurnOutcome:
    id: str
    lang: str
    text: str
    expected: dict[str, Any]
    outcome: str  # correct | wrong | declined
    called: list[dict[str, Any]] = field(default_factory=list)
    answer: str = ""


@dataclass
class ToolReport:
    model: str
    turns: list[TurnOutcome] = field(default_factory=list)

    def counts(self, lang: str | None = None) -> dict[str, int]:
        found = Counter(t.outcome for t in self.turns if lang in (None, t.lang))
        return {k: found.get(k, 0) for k in ("correct", "wrong", "declined")}

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "counts": self.counts(),
                "by_language": {lang: self.counts(lang) for lang in ("en", "ko")},
                "turns": [asdict(t) for t in self.turns]}

    def to_markdown(self) -> str:
        total = len(self.turns) or 1
        c = self.counts()
        lines = [f"Tool choice on blind requests — {self.model}", "",
                 f"{len(self.turns)} turns: correct {c['correct']} "
                 f"({100 * c['correct'] / total:.1f}%), wrong {c['wrong']} "
                 f"({100 * c['wrong'] / total:.1f}%), declined {c['declined']} "
                 f"({100 * c['declined'] / total:.1f}%)", "",
                 "| language | turns | correct | wrong | declined |", "|---|---|---|---|---|"]
        for lang in ("en", "ko"):
            n = self.counts(lang)
            lines.append(f"| {lang} | {sum(n.values())} | {n['correct']} | {n['wrong']} | "
                         f"{n['declined']} |")
        misses = [t for t in self.turns if t.outcome != "correct"]
        if misses:
            lines += ["", "Not correct:"]
            lines += [f"- {t.id} [{t.outcome}] {t.text} — expected {t.expected}, called "
                      f"{t.called or 'nothing'}" for t in misses]
        return "\n".join(lines)


def matches(expected: dict[str, Any], call: dict[str, Any]) -> bool:
    if call["name"] != expected["tool"]:
        return False
    given = call.get("args") or {}
    for name, value in (expected.get("args") or {}).items():
        if name not in given or given[name] in (None, "", [], {}):
            return False
        if value != ANY and not same_arg(value, given[name]):
            return False
    return True


def judge(expected: dict[str, Any], calls: list[dict[str, Any]]) -> str:
    if any(matches(expected, c) for c in calls):
        return "correct"
    return "wrong" if calls else "declined"


def evaluate(model: str | None = None, path: Path = TOOL_REQUESTS,
             settings: Settings | None = None,
             progress: Callable[[int, int], None] | None = None) -> ToolReport:
    from google.adk.sessions import InMemorySessionService

    from agent.runner import ChatService

    requests = load_requests(path)
    with sandbox(settings or get_settings()) as scratch:  # campaigns it drafts stay there
        service = ChatService(settings=scratch, model=model,
                              session_service=InMemorySessionService())
        return run_requests(service, requests, progress)


def load_requests(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["requests"])


def run_requests(service: Any, requests: list[dict[str, Any]],
                 progress: Callable[[int, int], None] | None = None) -> ToolReport:
    report = ToolReport(model=service.model_choice.label)

    async def run_all() -> None:
        for n, request in enumerate(requests, 1):
            session = service.new_session_id()
            for turn in request["turns"]:
                result = await service.ask(turn["text"], session)
                if "expect" not in turn:
                    continue
                calls = [{"name": c.name, "args": c.args} for c in result.tool_calls
                         if c.name != "get_sql_context"]
                report.turns.append(TurnOutcome(
                    id=request["id"], lang=request.get("lang", "en"), text=turn["text"],
                    expected=turn["expect"], outcome=judge(turn["expect"], calls),
                    called=calls, answer=result.answer[:300]))
            if progress:
                progress(n, len(requests))

    asyncio.run(run_all())
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tool choice on blind non-SQL requests.")
    parser.add_argument("--model", help="offline, a Gemini model name, or litellm/<p>/<m>")
    parser.add_argument("--requests", type=Path, default=TOOL_REQUESTS)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    publish(evaluate(model=args.model, path=args.requests, progress=progress), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
