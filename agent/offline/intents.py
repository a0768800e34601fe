"""What the offline model can do: intents, each a set of phrasings mapped to one tool call.

Every SQL sample pair (``knowledge/sql_samples/*.yaml``) is an intent that calls ``run_sql``.
Other capabilities add intents without touching the planner, in ``knowledge/intents/*.yaml``::

    intents:
      - id: review_search
        tool: search_reviews                 # a tool registered in tools/registry.py
        phrasings:
          en: ["Show reviews that complain about {topic}"]
          ko: ["{topic} 관련 리뷰를 보여줘"]
        slots: {topic: {type: question, example: "quality problems"}}
        args: {query: "{topic}", limit: "{n}"}   # "{slot}" alone keeps the value's type
        answer: {en: "...", ko: "..."}          # optional templates ({column}, {list}, {slot})
        writer: tools.review_search:write_offline_answer   # optional "module:function"

The planner retrieves the closest phrasing, fills slots from the question (slot types are
those of ``tools.slot_values`` plus ``question``, the user's whole message), calls ``tool``
through ADK and hands the tool's response to the intent's answer writer (see
``agent.offline.answers``). An intent without ``tool`` answers with its template directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from agent.settings import PROJECT_ROOT
from tools.slot_values import NUMERIC_TYPES, SlotValue
from tools.sql_knowledge import (
    SlotSpec,
    SqlSample,
    example_value,
    load_samples,
    slot_specs,
)

INTENTS_DIR = PROJECT_ROOT / "knowledge" / "intents"
_WHOLE_SLOT = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\.(start|end))?\}")


@dataclass(frozen=True)
class Intent:
    """A question the offline model answers: phrasings, slots, one tool call, an answer."""

    id: str
    category: str
    phrasings: tuple[tuple[str, str], ...]  # (language, template)
    tool: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    slots: tuple[SlotSpec, ...] = ()
    answer: dict[str, str] = field(default_factory=dict)
    writer: str | None = None
    tables: tuple[str, ...] = ()
    sample: SqlSample | None = None

    def example_values(self) -> dict[str, SlotValue]:
        return {s.name: _example(s) for s in self.slots}

    def render_text(self, template: str, values: dict[str, SlotValue], lang: str) -> str:
        def replace(match: re.Match[str]) -> str:
            value = values.get(match.group(1))
            return value.label(lang) if value is not None else match.group(0)
        return _PLACEHOLDER.sub(replace, template)

    def question(self, lang: str, values: dict[str, SlotValue] | None = None) -> str:
        """The intent's main question in ``lang`` (English when it has no such phrasing)."""
        values = self.example_values() if values is None else values
        template = next((t for code, t in self.phrasings if code == lang), self.phrasings[0][1])
        return self.render_text(template, values, lang)

    def render_args(self, values: dict[str, SlotValue]) -> dict[str, Any]:
        """The tool arguments with slot values filled in."""
        if self.sample is not None:
            return {"sql": self.sample.render_sql(values)}
        args: dict[str, Any] = {}
        types = {s.name: s.type for s in self.slots}
        for name, template in self.args.items():
            whole = _WHOLE_SLOT.match(template)
            if whole and whole.group(1) in values:
                value = values[whole.group(1)]
                args[name] = int(value.value) if types.get(whole.group(1)) in NUMERIC_TYPES \
                    else value.value
            else:
                args[name] = _PLACEHOLDER.sub(
                    lambda m: values[m.group(1)].sql_text(m.group(2)) if m.group(1) in values
                    else m.group(0), template)
        return args


def _example(spec: SlotSpec) -> SlotValue:
    if spec.type == "question":
        return SlotValue(type="question", value=spec.example, en=spec.example, ko=spec.example)
    return example_value(spec.type, spec.example)


def from_sample(sample: SqlSample) -> Intent:
    return Intent(id=sample.id, category=sample.category, phrasings=tuple(sample.phrasings()),
                  tool="run_sql", slots=sample.slots, answer=sample.answer,
                  tables=sample.tables, sample=sample)


def _read_intents(path: Path) -> list[Intent]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    intents = []
    for item in raw.get("intents", ()):
        phrasings = tuple((lang, text) for lang, texts in item["phrasings"].items()
                          for text in texts)
        intents.append(Intent(
            id=item["id"], category=item.get("category", path.stem), phrasings=phrasings,
            tool=item.get("tool"), args={k: str(v) for k, v in item.get("args", {}).items()},
            slots=slot_specs(item.get("slots")), answer=dict(item.get("answer", {})),
            writer=item.get("writer")))
    return intents


@lru_cache(maxsize=2)
def load_intents(folder: Path = INTENTS_DIR) -> tuple[Intent, ...]:
    """Every intent: the SQL samples, then ``knowledge/intents/*.yaml`` by file name."""
    intents = [from_sample(s) for s in load_samples()]
    for path in sorted(Path(folder).glob("*.yaml")):
        intents.extend(_read_intents(path))
    ids = [i.id for i in intents]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"Duplicate intent ids: {duplicates}")
    return tuple(intents)


def extra_intents() -> list[Intent]:
    """Intents that are not SQL samples (indexed as kind "intent")."""
    return [i for i in load_intents() if i.sample is None]
