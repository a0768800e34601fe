"""The semantic model of the data (``knowledge/semantic_model.yaml``), as types.

Tables with their aliases and joins, entities people count, measures, numeric attributes
and dimensions, each with its SQL, label and the words people use for it. The question
reader turns words into these; the query plan turns them into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from config.settings import PROJECT_ROOT

MODEL_FILE = PROJECT_ROOT / "knowledge" / "semantic_model.yaml"
LANGS = ("en", "ko")


@dataclass(frozen=True)
class Label:
    en: str
    ko: str

    def text(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True)
class TableDef:
    name: str
    alias: str
    kind: str  # fact | entity
    key: str
    time: str | None = None
    extends: str | None = None  # a fact that adds columns to another, row for row


@dataclass(frozen=True)
class Join:
    fact: str
    entity: str
    on: str
    key: str | None  # the fact's column that names the entity (for semi-joins)


@dataclass(frozen=True)
class Measure:
    name: str
    table: str
    sql: str
    label: Label
    unit: str
    distinct: str | None = None  # what COUNT(*) counts once each when the table is joined
    where: str | None = None  # a condition the measure always carries (revenue: paid lines)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribute:
    name: str
    table: str
    sql: str
    unit: str
    label: Label
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranks: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # asc/desc words


@dataclass(frozen=True)
class Dimension:
    name: str
    table: str
    sql: str
    label: Label
    values: str | None = None  # the value type that names its values (city, gender, …)
    boolean: bool = False
    time: str | None = None  # a period of time's grain: month, quarter
    entity: str | None = None  # a dimension that is an entity's own name (product, customer)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a column of another table that names the entity's rows ("champions" customers): a
    # condition template with {value} and {dataset}; such a dimension filters, never groups
    filter: str | None = None
    # how a breakdown by such a column reaches it: a join of a one-row-per-entity table
    join: str | None = None
    # the column that tells members apart where the named column repeats (product titles
    # repeat across colours and sizes): grouped by too, and selected before it
    key: str | None = None
    # columns that describe each member beside it (a customer's first and last name)
    details: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """How many result columns a breakdown by it takes."""
        return 1 + bool(self.key) + len(self.details)

    @property
    def key_column(self) -> str | None:
        """The key's result column; never a fact table's column name (``product_id`` is one)."""
        return f"{self.name}_key" if self.key else None


@dataclass(frozen=True)
class Entity:
    name: str
    table: str
    count: str  # the measure "how many <entity>" means
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _words(raw: dict[str, Any] | None) -> dict[str, tuple[str, ...]]:
    raw = raw or {}
    return {lang: tuple(str(w) for w in raw.get(lang, ())) for lang in LANGS}


def _label(raw: dict[str, str]) -> Label:
    return Label(en=raw["en"], ko=raw.get("ko", raw["en"]))


@dataclass(frozen=True)
class SemanticModel:
    tables: dict[str, TableDef]
    joins: tuple[Join, ...]
    entity_keys: dict[str, str]
    entities: dict[str, Entity]
    measures: dict[str, Measure]
    attributes: dict[str, Attribute]
    dimensions: dict[str, Dimension]
    grain_words: dict[str, dict[str, tuple[str, ...]]]  # "monthly", "분기별" by grain

    def alias(self, table: str) -> str:
        return self.tables[table].alias

    def join(self, fact: str, other: str) -> Join | None:
        return next((j for j in self.joins if j.fact == fact and j.entity == other), None)

    def entity_of_table(self, table: str) -> Entity | None:
        """The entity a table's rows are (customers -> customer), the first one named."""
        return next((e for e in self.entities.values() if e.table == table), None)

    def dimension_for_values(self, value_type: str) -> Dimension | None:
        return next((d for d in self.dimensions.values() if d.values == value_type), None)

    def time_dimension(self, fact: str, grain: str = "month") -> Dimension | None:
        return next((d for d in self.dimensions.values()
                     if d.time == grain and d.table == fact), None)

    def fact_of(self, table: str) -> str:
        """The fact a table extends (customer_reviews_analysis -> customer_reviews)."""
        return self.tables[table].extends or table


@lru_cache(maxsize=2)
def load_semantic_model(path: Path = MODEL_FILE) -> SemanticModel:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tables = {name: TableDef(name=name, alias=t["alias"], kind=t["kind"], key=t["key"],
                             time=t.get("time"), extends=t.get("extends"))
              for name, t in raw["tables"].items()}
    joins = tuple(Join(fact=j["from"], entity=j["to"], on=j["condition"], key=j.get("key"))
                  for j in raw["joins"])
    entities = {name: Entity(name=name, table=e["table"], count=e["count"],
                             words=_words(e.get("words")))
                for name, e in raw["entities"].items()}
    measures = {name: Measure(name=name, table=m["table"], sql=m["sql"], label=_label(m["label"]),
                              unit=m["unit"], distinct=m.get("distinct"), where=m.get("where"),
                              words=_words(m.get("words")))
                for name, m in raw["measures"].items()}
    attributes = {name: Attribute(name=name, table=a["table"], sql=a["sql"], unit=a["unit"],
                                  label=_label(a["label"]), words=_words(a.get("words")),
                                  ranks={d: _words(w) for d, w in (a.get("ranks") or {}).items()})
                  for name, a in raw["attributes"].items()}
    dimensions = {name: Dimension(name=name, table=d["table"], sql=d["sql"],
                                  label=_label(d["label"]), values=d.get("values"),
                                  boolean=bool(d.get("boolean")), time=d.get("time"),
                                  entity=d.get("entity"), words=_words(d.get("words")),
                                  filter=d.get("filter"), join=d.get("join"),
                                  key=d.get("key"), details=tuple(d.get("details", ())))
                  for name, d in raw["dimensions"].items()}
    model = SemanticModel(tables=tables, joins=joins, entity_keys=dict(raw["entity_keys"]),
                          entities=entities, measures=measures, attributes=attributes,
                          dimensions=dimensions,
                          grain_words={grain: _words(words)
                                       for grain, words in raw["time_grains"].items()})
    _check(model)
    return model


def _check(model: SemanticModel) -> None:
    """Every name the model refers to exists (a typo in the YAML fails at load)."""
    for item in (*model.measures.values(), *model.attributes.values(),
                 *model.dimensions.values(), *model.entities.values()):
        if item.table not in model.tables:
            raise ValueError(f"{item.name}: unknown table {item.table!r}")
    for entity in model.entities.values():
        if entity.count not in model.measures:
            raise ValueError(f"entity {entity.name}: unknown count measure {entity.count!r}")
    for join in model.joins:
        if join.fact not in model.tables or join.entity not in model.tables:
            raise ValueError(f"join {join.fact} -> {join.entity}: unknown table")
