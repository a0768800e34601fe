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
        writer: tools.reviews.search:write_offline_answer   # optional "module:function"

Tool intents may also say which other values of the question become arguments, and which
values a text slot carries to the tool itself::

        filters:                               # value type -> argument
          city: city                           # the value ("Busan"); persona parts and
          loyalty: segment                     #   several values for one argument: the words
          rating: {low: min_rating, high: max_rating}      # a range
          period: {first: date_from, last: date_to}        # a date range (inclusive)
        text_values: [issue_category]          # their words stay in the text slot too
        suggest: false                         # an action: never offered when declining

The planner retrieves the closest phrasing, fills slots from the question (slot types are
those of ``tools.sql.slot_values``, ``question`` — the user's whole message — and the words of
``agent.offline.request_words``), calls ``tool`` through ADK and hands the tool's response
to the intent's answer writer (see ``agent.offline.answers``). A slot with ``default: ""``
is optional: its argument is left out when the question does not fill it. Customer and
campaign ids a tool intent needs come from the conversation when the message names none
("approve them", "now draft one in Korean"). An intent without ``tool`` answers with its
template directly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from config.settings import PROJECT_ROOT
from tools.sql.knowledge import (
    SlotSpec,
    SqlSample,
    example_value,
    load_samples,
    slot_specs,
)
from tools.sql.mentions import PERSONA_PARTS, Mention, range_bounds
from tools.sql.slot_values import ID_LIST_TYPES, NUMERIC_TYPES, SlotValue
from tools.vocabulary.segments import segment_of_parts

INTENTS_DIR = PROJECT_ROOT / "knowledge" / "intents"
_WHOLE_SLOT = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\.(start|end))?\}")
_ROLES = ("value", "low", "high", "first", "last")
_INT_ARGS = NUMERIC_TYPES | {"offer_value", "campaign_limit"}


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
    filters: dict[str, dict[str, str]] = field(default_factory=dict)  # type -> {role: arg}
    text_values: frozenset[str] = frozenset()
    suggest: bool = True  # offered as a close question when declining (not for actions)

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

    def render_args(self, values: dict[str, SlotValue],
                    filters: list[Mention] | None = None) -> dict[str, Any]:
        """The tool arguments with slot values filled in (an argument whose slot has no
        value is left out), and the arguments of the values that became filters."""
        if self.sample is not None:
            return {"sql": self.sample.render_sql(values)}
        args: dict[str, Any] = {}
        types = {s.name: s.type for s in self.slots}
        for name, template in self.args.items():
            if any(m.group(1) not in values and m.group(1) in types
                   for m in _PLACEHOLDER.finditer(template)):
                continue
            whole = _WHOLE_SLOT.match(template)
            if whole and whole.group(1) in values:
                value = values[whole.group(1)]
                kind = types.get(whole.group(1))
                args[name] = int(value.value) if kind in _INT_ARGS else \
                    [int(n) for n in value.value.split(",")] if kind in ID_LIST_TYPES else \
                    value.value
            else:
                args[name] = _PLACEHOLDER.sub(
                    lambda m: values[m.group(1)].sql_text(m.group(2)) if m.group(1) in values
                    else m.group(0), template)
        args.update(self.filter_args(filters or []))
        return args

    def filter_args(self, mentions: list[Mention]) -> dict[str, Any]:
        """The arguments that ``mentions`` (values placed as filters) fill."""
        args: dict[str, Any] = {}
        words: dict[str, list[Mention]] = {}
        for mention in mentions:
            roles = self.filters.get(mention.type, {})
            value = mention.value
            if "value" in roles:
                words.setdefault(roles["value"], []).append(mention)
            if "low" in roles or "high" in roles:
                low, high = range_bounds(value)
                for role, bound in (("low", low), ("high", high)):
                    if role in roles and bound is not None:
                        args[roles[role]] = bound
            if "first" in roles and value.start:
                args[roles["first"]] = value.start
            if "last" in roles and value.end:
                last = dt.date.fromisoformat(value.end) - dt.timedelta(days=1)
                args[roles["last"]] = last.isoformat()
        for arg, said in words.items():
            found = list({(m.type, m.value.value): m for m in said}.values())  # said twice
            segment = _one_segment(found)
            if segment is not None:  # young + loyal + women name one persona segment
                args[arg] = segment
            elif len(found) == 1 and found[0].type not in PERSONA_PARTS:
                only = found[0]
                args[arg] = int(only.value.value) if only.type in NUMERIC_TYPES \
                    else only.value.value.strip("[]")  # a category is "Bags", not "[Bags]"
            else:  # the marketer's own words: "young women", "젊은 여성"
                args[arg] = " ".join(m.text for m in sorted(found, key=lambda m: m.start))
        return args


def _one_segment(found: list[Mention]) -> str | None:
    """The persona segment id when the mentions name its age group, gender and loyalty."""
    parts = {m.type: m.value.value for m in found}
    if len(found) != 3 or set(parts) != set(PERSONA_PARTS):
        return None
    return segment_of_parts(parts["age_group"], parts["gender"], parts["loyalty"])


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
            writer=item.get("writer"), filters=_filter_specs(item.get("filters")),
            text_values=frozenset(item.get("text_values", ())),
            suggest=bool(item.get("suggest", True))))
    return intents


def _filter_specs(raw: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    specs = {}
    for kind, spec in (raw or {}).items():
        roles = {"value": spec} if isinstance(spec, str) else dict(spec)
        unknown = set(roles) - set(_ROLES)
        if unknown:
            raise ValueError(f"Filter {kind!r}: unknown roles {sorted(unknown)}")
        specs[kind] = {role: str(arg) for role, arg in roles.items()}
    return specs


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
