"""The text-to-SQL knowledge: sample question -> SQL pairs and the business glossary.

Samples live in ``knowledge/sql_samples/*.yaml``; a sample's question, SQL and answer may
hold ``{slot}`` placeholders (``{period.start}`` / ``{period.end}`` for date ranges) that are
filled from typed ``SlotValue``s. Rendering with the declared example values gives a concrete
pair that runs on the data; the offline planner fills the same slots from the user's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from config.settings import PROJECT_ROOT
from tools.sql.slot_values import (
    ID_LIST_TYPES,
    NUMERIC_TYPES,
    SLOT_TYPES,
    SlotValue,
    id_list_value,
    number_value,
    parse_period,
    plain_value,
)
from tools.vocabulary.cities import city_spellings
from tools.vocabulary.language import has_hangul

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
SAMPLES_DIR = KNOWLEDGE_DIR / "sql_samples"
GLOSSARY_PATH = KNOWLEDGE_DIR / "glossary.yaml"
CATEGORIES = (
    "counts", "distribution", "segments", "review_volume", "ratings", "sentiment", "media",
    "unhappy_customers", "top_products", "catalog", "sales", "audiences", "rfm",
)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?:\.(start|end))?\}")
# ------------------------------------------------------------------------------ glossary
@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    ko: str
    aliases: tuple[str, ...]
    meaning: str
    sql: str

    def document(self) -> str:
        """The text indexed and shown to the model."""
        names = ", ".join((self.ko, *self.aliases))
        return f"{self.term} ({names}): {self.meaning} SQL: {self.sql}"


@dataclass(frozen=True)
class Glossary:
    terms: tuple[GlossaryTerm, ...]
    synonyms: dict[str, dict[str, tuple[str, ...]]]  # type -> value -> words people use
    labels: dict[str, dict[str, dict[str, str]]]  # type -> value -> {en, ko}

    def label(self, kind: str, value: str, lang: str) -> str:
        """How ``value`` of ``kind`` reads in ``lang`` (``en`` or ``ko``)."""
        given = self.labels.get(kind, {}).get(value, {})
        if lang in given:
            return given[lang]
        if lang == "ko":
            korean = [w for w in self.synonyms.get(kind, {}).get(value, ()) if has_hangul(w)]
            if korean:
                return korean[0]
        return given.get("en", value)

    def value(self, kind: str, value: str) -> SlotValue:
        return plain_value(kind, value, self.label(kind, value, "en"),
                           self.label(kind, value, "ko"))


@lru_cache(maxsize=2)
def load_glossary(path: Path = GLOSSARY_PATH) -> Glossary:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = tuple(
        GlossaryTerm(term=t["term"], ko=t.get("ko", ""), aliases=tuple(t.get("aliases", ())),
                     meaning=" ".join(t["meaning"].split()), sql=t.get("sql", ""))
        for t in raw.get("terms", ())
    )
    synonyms = {kind: {str(v): tuple(str(w) for w in words) for v, words in values.items()}
                for kind, values in raw.get("values", {}).items()}
    synonyms["city"] = {city: tuple(names) for city, names in city_spellings().items()}
    labels = {kind: {str(v): dict(lab) for v, lab in values.items()}
              for kind, values in raw.get("labels", {}).items()}
    return Glossary(terms=terms, synonyms=synonyms, labels=labels)


def example_value(kind: str, raw: str, glossary: Glossary | None = None) -> SlotValue:
    """The ``SlotValue`` of an example written in a sample file."""
    glossary = glossary or load_glossary()
    if kind == "period":
        return parse_period(raw)
    if kind in NUMERIC_TYPES:
        return number_value(kind, int(raw))
    if kind in ID_LIST_TYPES:
        return id_list_value(kind, [int(n) for n in raw.split(",")])
    return glossary.value(kind, raw)


# ------------------------------------------------------------------------------ samples
@dataclass(frozen=True)
class SlotSpec:
    name: str
    type: str
    example: str
    default: str | None = None


@dataclass(frozen=True)
class SqlSample:
    """One question -> SQL pair (a template when it declares slots)."""

    id: str
    category: str
    question: str
    sql: str
    origin: str  # the file stem: base, derived, ...
    ko: str | None = None
    also: tuple[str, ...] = ()
    also_ko: tuple[str, ...] = ()
    slots: tuple[SlotSpec, ...] = ()
    answer: dict[str, str] = field(default_factory=dict)
    tables: tuple[str, ...] = ()

    def phrasings(self) -> list[tuple[str, str]]:
        """Every (language, question template) of this sample."""
        out = [("en", self.question)]
        out += [("ko", self.ko)] if self.ko else []
        out += [("en", q) for q in self.also] + [("ko", q) for q in self.also_ko]
        return out

    def slot(self, name: str) -> SlotSpec:
        for spec in self.slots:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def example_values(self) -> dict[str, SlotValue]:
        return {s.name: example_value(s.type, s.example) for s in self.slots}

    def render_text(self, template: str, values: dict[str, SlotValue], lang: str) -> str:
        """A question or answer template with slot labels in ``lang``."""
        return _fill(template, values, lambda v, part: v.label(lang))

    def render_sql(self, values: dict[str, SlotValue] | None = None) -> str:
        """The SQL with slot values (default: the examples) inserted."""
        values = self.example_values() if values is None else values
        return _fill(self.sql, values, lambda v, part: v.sql_text(part)).strip()

    def example_question(self, lang: str = "en") -> str:
        template = self.ko if lang == "ko" and self.ko else self.question
        return self.render_text(template, self.example_values(), lang)


def _fill(template: str, values: dict[str, SlotValue], render: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        name, part = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        return render(values[name], part)
    return _PLACEHOLDER.sub(replace, template)


def slot_specs(raw: dict[str, Any] | None) -> tuple[SlotSpec, ...]:
    specs = []
    for name, spec in (raw or {}).items():
        if isinstance(spec, dict):
            specs.append(SlotSpec(name=name, type=spec.get("type", SLOT_TYPES.get(name, name)),
                                  example=str(spec["example"]),
                                  default=None if spec.get("default") is None
                                  else str(spec["default"])))
        else:
            specs.append(SlotSpec(name=name, type=SLOT_TYPES.get(name, name), example=str(spec)))
    return tuple(specs)


def sql_tables(sql: str) -> tuple[str, ...]:
    """The dataset tables a query reads (CTE names excluded)."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return tuple(sorted({t.name for t in tree.find_all(exp.Table) if t.name not in ctes}))


def _read_samples(path: Path) -> list[SqlSample]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    samples = []
    for item in raw.get("samples", ()):
        sample = SqlSample(
            id=item["id"], category=item["category"], question=item["question"],
            sql=item["sql"], origin=path.stem, ko=item.get("ko"),
            also=tuple(item.get("also", ())), also_ko=tuple(item.get("also_ko", ())),
            slots=slot_specs(item.get("slots")), answer=dict(item.get("answer", {})),
        )
        tables = sql_tables(sample.render_sql())
        samples.append(SqlSample(**{**sample.__dict__, "tables": tables}))
    return samples


@lru_cache(maxsize=2)
def load_samples(folder: Path = SAMPLES_DIR) -> tuple[SqlSample, ...]:
    """Every sample pair, ``base.yaml`` first; ids are unique across files."""
    files = sorted(Path(folder).glob("*.yaml"), key=lambda p: (p.stem != "base", p.name))
    samples: list[SqlSample] = []
    for path in files:
        samples.extend(_read_samples(path))
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise ValueError(f"Duplicate sample id {sample.id!r} in {folder}")
        seen.add(sample.id)
    return tuple(samples)


def sample_by_id(sample_id: str) -> SqlSample:
    for sample in load_samples():
        if sample.id == sample_id:
            return sample
    raise KeyError(sample_id)


def available_samples(table_names: set[str]) -> list[SqlSample]:
    """Samples whose tables all exist in the warehouse."""
    return [s for s in load_samples() if set(s.tables) <= table_names]
