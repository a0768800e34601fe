"""A typed query plan and the BigQuery SQL it stands for.

A plan is one of four shapes, each built from parts of the semantic model:

* ``aggregate`` — a measure, optionally by dimensions, with filters, a time window, a
  HAVING threshold on the measure, and a ranking (order and limit);
* ``share`` — the percentage of rows meeting a condition, optionally by dimensions;
* ``count_having`` — how many entities have more (or fewer) than N facts ("products with
  more than 10 reviews");
* ``rows`` — an entity's own rows ranked by an attribute ("the cheapest bag") or looked up
  ("the price of <product>", "customer 1004's city").

The SQL reads the measure's table and joins each entity table it needs (facts reach
entities many-to-one, so nothing is double counted); when the measure is on an entity
table, conditions on facts become semi-joins. Values reach SQL only as literals rendered by
sqlglot or as numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from tools.sql.semantic_model import Dimension, Label, SemanticModel

DATASET = "cymbal"
OPERATORS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "="}
OPERATOR_WORDS = {"gt": ("more than", "초과"), "ge": ("at least", "이상"),
                  "lt": ("less than", "미만"), "le": ("at most", "이하"), "eq": ("exactly", "")}


class PlanError(ValueError):
    """A plan the semantic model cannot turn into one safe query (the reader then declines)."""


def literal(value: str) -> str:
    return exp.Literal.string(str(value)).sql("bigquery")


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Condition:
    """One filter: its SQL (with table aliases), the table it reads and how it reads."""

    sql: str
    table: str
    label: Label
    at: int = 0  # where the question said it (character offset)

    @property
    def column(self) -> str | None:
        """The column it reads (``c.address_city``), also inside NOT (…) or IN (…)."""
        found = COLUMN.search(self.sql)
        return found.group(0) if found else None


@dataclass(frozen=True)
class MeasureSpec:
    """An aggregate over one table."""

    name: str  # the result column
    sql: str
    table: str
    label: Label
    unit: str
    where: str | None = None
    distinct: str | None = None  # COUNT(*) becomes COUNT(DISTINCT this) when joined
    support: str | None = None  # an average's row count, shown beside it per group ("reviews")


@dataclass(frozen=True)
class Period:
    start: str
    end: str  # exclusive
    label: Label
    also: tuple[tuple[str, str], ...] = ()  # more windows compared with it ("October and
    # November"): rows in any of them count


@dataclass(frozen=True)
class RowColumn:
    sql: str
    name: str
    label: Label
    unit: str = ""


@dataclass
class QueryPlan:
    shape: str  # aggregate | share | count_having | rows
    table: str  # the table rows are counted or read from
    measure: MeasureSpec | None = None
    group_by: list[Dimension] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    period: Period | None = None
    order: str | None = None  # asc | desc
    limit: int | None = None
    superlative: bool = False  # "which … the most": the winner, with the runner-up
    having: tuple[str, float] | None = None  # on the measure, per group
    having_count: MeasureSpec | None = None  # what HAVING counts when not the measure
    # ("average sentiment per channel, for channels with at least 400 reviews")
    share: Condition | None = None
    count_key: str | None = None  # count_having: the fact column naming the entity
    count_sql: str = "COUNT(*)"  # count_having: how the facts are counted
    columns: list[RowColumn] = field(default_factory=list)  # rows: what to show
    rank_by: RowColumn | None = None  # rows: the attribute ranked by
    distinct: bool = False  # rows: each row once (an order's lines share its status)
    of_total: bool = False  # aggregate: each group's share of the total beside its measure

    def reading(self, lang: str) -> str:
        """How the question was read, in one line."""
        ko = lang == "ko"
        parts: list[str] = []
        if self.shape == "share":
            parts.append(share_label(self, lang))
        elif self.shape == "rows" and self.rank_by is not None:
            first = self.order != "asc"
            word = ("높은 순" if first else "낮은 순") if ko else \
                ("highest first" if first else "lowest first")
            parts.append(f"{self.rank_by.label.text(lang)} {word}")
        elif self.shape == "rows":
            parts.append(", ".join(c.label.text(lang) for c in self.columns))
        elif self.measure is not None:
            parts.append(self.measure.label.text(lang))
            if self.of_total:
                parts.append("전체 대비 비중(%)" if ko else "each one's share of the total (%)")
        if self.group_by:
            dims = ", ".join(d.label.text(lang) for d in self.group_by)
            parts.append(f"{dims}별" if ko else f"by {dims}")
        conditions = [c.label.text(lang) for c in self.conditions
                      if c.label.text(lang)]  # a measure's own condition is in its label
        if conditions:
            parts.append(("조건: " if ko else "where ") + ", ".join(conditions))
        if self.period is not None:
            label = self.period.label.text(lang)
            lead = "기간: " if ko else ("" if label.startswith("since ") else "in ")
            parts.append(lead + label)  # "in May 2025", "since 2025-11-15"
        if self.having is not None and self.shape == "aggregate":
            en, kr = OPERATOR_WORDS[self.having[0]]
            counted = f" {self.having_count.label.text(lang)}" if self.having_count else ""
            parts.append(f"{counted.strip()} {number(self.having[1])} {kr}".strip() if ko else
                         f"{en} {number(self.having[1])}{counted}")
        if self.shape == "aggregate" and self.order:
            first = self.order == "desc"
            parts.append(("많은/높은 순" if first else "적은/낮은 순") if ko else
                         ("highest first" if first else "lowest first"))
        if self.limit and not self.superlative:
            parts.append(f"상위 {self.limit}" if ko else f"top {self.limit}")
        head = "해석" if ko else "Read as"
        return f"{head}: " + " · ".join(p for p in parts if p)

    # -- SQL -------------------------------------------------------------------------------
    def to_sql(self, model: SemanticModel) -> str:
        if self.shape == "aggregate":
            sql = self._aggregate(model)
        elif self.shape == "share":
            sql = self._share(model)
        elif self.shape == "count_having":
            sql = self._count_having(model)
        else:
            sql = self._rows(model)
        return sqlglot.transpile(sql, read="bigquery", write="bigquery", pretty=True)[0]

    def _tables(self) -> set[str]:
        tables = {self.table} | {c.table for c in self.conditions} | \
            {d.table for d in self.group_by}
        if self.share is not None:
            tables.add(self.share.table)
        return tables

    def _dimension_joins(self) -> list[str]:
        """Joins of the one-row-per-customer tables a breakdown reads (RFM clusters)."""
        return [d.join.format(dataset=DATASET) for d in self.group_by if d.join]

    def _from(self, model: SemanticModel, extra_where: list[str]) -> tuple[str, list[str],
                                                                           bool]:
        """FROM with its joins, the WHERE conditions, and whether the base was joined."""
        base = model.tables[model.fact_of(self.table)]  # an extension reads from its fact
        parts = [f"{DATASET}.{base.name} AS {base.alias}"]
        where = list(extra_where)
        joined = False
        if base.kind == "fact":
            fact = base.name
            for table in sorted(self._tables() - {fact}):
                join = model.join(fact, table)
                if join is None:
                    raise PlanError(f"no join from {fact} to {table}")
                parts.append(f"JOIN {DATASET}.{table} AS {model.alias(table)} ON {join.on}")
                joined = True
            parts += self._dimension_joins()
            where += [c.sql for c in self.conditions]
            if self.period is not None:
                where.append(self._period_sql(model, fact))
            return " ".join(parts), where, joined
        parts += self._dimension_joins()
        own = [c for c in self.conditions if c.table == self.table]
        where += [c.sql for c in own]
        foreign = [c for c in self.conditions if c.table != self.table]
        if any(d.table != self.table for d in self.group_by):
            raise PlanError("grouping an entity by another table's column")
        facts = sorted({model.fact_of(c.table) for c in foreign})
        if self.period is not None and not facts:
            raise PlanError("a time window on an entity with no fact to place it")
        for fact in facts:
            where.append(self._semi_join(model, fact, [c for c in foreign
                                                       if model.fact_of(c.table) == fact]))
        return " ".join(parts), where, joined

    def _semi_join(self, model: SemanticModel, fact: str, conditions: list[Condition]) -> str:
        join = model.join(fact, self.table)
        key = model.entity_keys.get(self.table)
        if join is None or join.key is None or key is None:
            raise PlanError(f"no way to reach {self.table} from {fact}")
        parts = [f"{DATASET}.{fact} AS {model.alias(fact)}"]
        for table in sorted({c.table for c in conditions} - {fact}):
            inner = model.join(fact, table)
            if inner is None or table == self.table:
                raise PlanError(f"no join from {fact} to {table}")
            parts.append(f"JOIN {DATASET}.{table} AS {model.alias(table)} ON {inner.on}")
        where = [c.sql for c in conditions]
        if self.period is not None:
            where.append(self._period_sql(model, fact))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"{key} IN (SELECT {join.key} FROM {' '.join(parts)}{clause})"

    def _period_sql(self, model: SemanticModel, fact: str) -> str:
        assert self.period is not None
        table = model.tables[fact]
        if table.time is None:
            raise PlanError(f"{fact} has no time column")
        column = f"{table.alias}.{table.time}"
        windows = [f"{column} >= {literal(start)} AND {column} < {literal(end)}"
                   for start, end in ((self.period.start, self.period.end), *self.period.also)]
        return windows[0] if len(windows) == 1 else \
            "(" + " OR ".join(f"({w})" for w in windows) + ")"

    def _measure_sql(self, joined: bool) -> str:
        m = self.measure
        assert m is not None
        if joined and m.distinct and m.sql == "COUNT(*)":
            return f"COUNT(DISTINCT {m.distinct})"
        return m.sql

    def _aggregate(self, model: SemanticModel) -> str:
        m = self.measure
        assert m is not None
        where_extra = [m.where] if m.where and not self._restates(m.where) else []
        source, where, joined = self._from(model, where_extra)
        dims = self._group_columns()
        support = [f"COUNT(*) AS {m.support}"] if m.support and self.group_by else []
        measure = self._measure_sql(joined)
        share = [f"ROUND(100 * {measure} / SUM({measure}) OVER (), 1) AS share_pct"] \
            if self.of_total else []
        select = ", ".join([*dims, f"{measure} AS {m.name}", *share, *support])
        sql = f"SELECT {select} FROM {source}"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        if self.group_by:
            sql += " GROUP BY " + self._group_keys()
        if self.having is not None:
            op, value = self.having
            compared = self.having_count.sql if self.having_count else self._measure_sql(joined)
            sql += f" HAVING {compared} {OPERATORS[op]} {number(value)}"
        if self.group_by:
            direction = "ASC" if self.order == "asc" else "DESC"
            # a breakdown nobody asked to rank reads largest first, a time series in order
            ranked = self.order or not any(d.time for d in self.group_by)
            keys = [f"{m.name} {direction}"] if ranked else []
            sql += " ORDER BY " + ", ".join([*keys, self._group_keys()])
            if self.limit:
                sql += f" LIMIT {int(self.limit)}"
        return sql

    def _group_columns(self) -> list[str]:
        """The SELECT items of the breakdown: each dimension, after its key where it has one."""
        return [item for d in self.group_by for item in (
            [f"{d.key} AS {d.key_column}"] if d.key else []) + [f"{d.sql} AS {_column_name(d)}"]
            + [f"{detail} AS {detail.split('.')[-1]}" for detail in d.details]]

    def _group_keys(self) -> str:
        """GROUP BY / ORDER BY terms of the breakdown."""
        return ", ".join(term for d in self.group_by
                         for term in [_column_name(d), *([d.key_column] if d.key else []),
                                      *d.details])

    @property
    def group_width(self) -> int:
        """How many leading result columns name a group."""
        return sum(d.width for d in self.group_by)

    def _restates(self, where: str) -> bool:
        """Whether a condition of the question is on the column the measure's own condition
        reads ("revenue from completed orders": the status the question names wins)."""
        column = COLUMN.search(where)
        return column is not None and any(c.column == column.group(0) for c in self.conditions)

    def _share(self, model: SemanticModel) -> str:
        assert self.share is not None
        source, where, _ = self._from(model, [])
        dims = self._group_columns()
        total = self.measure.sql if self.measure is not None else "COUNT(*)"
        part = _where_only(total, self.share.sql)
        share = f"ROUND(100 * {part} / {total}, 2) AS share_pct"
        sql = f"SELECT {', '.join([*dims, share])} FROM {source}"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        if self.group_by:
            names = self._group_keys()
            order = f"share_pct {'ASC' if self.order == 'asc' else 'DESC'}, " if self.order \
                else ""
            sql += f" GROUP BY {names} ORDER BY {order}{names}"
            if self.limit:
                sql += f" LIMIT {int(self.limit)}"
        return sql

    def _count_having(self, model: SemanticModel) -> str:
        assert self.having is not None and self.count_key is not None
        source, where, _ = self._from(model, [])
        op, value = self.having
        inner = f"SELECT {self.count_key} FROM {source}"
        if where:
            inner += f" WHERE {' AND '.join(where)}"
        inner += (f" GROUP BY {self.count_key} HAVING {self.count_sql} {OPERATORS[op]} "
                  f"{number(value)}")
        return f"SELECT COUNT(*) AS matching FROM ({inner})"

    def _rows(self, model: SemanticModel) -> str:
        source, where, _ = self._from(model, [])
        columns = [f"{c.sql} AS {c.name}" for c in self.columns]
        sql = f"SELECT {'DISTINCT ' if self.distinct else ''}{', '.join(columns)} FROM {source}"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        if self.rank_by is not None:
            direction = "ASC" if self.order == "asc" else "DESC"
            named = next((c for c in self.columns if c.name == "title"), self.columns[0])
            sql += f" ORDER BY {self.rank_by.sql} {direction}, {named.sql}"  # ties by name
        if self.limit:
            sql += f" LIMIT {int(self.limit)}"
        return sql


COLUMN = re.compile(r"\b[a-z]\.[a-z_]+\b")  # an aliased column: c.address_city
_AGGREGATE = re.compile(r"(SUM|COUNT)\((DISTINCT )?(.+)\)", re.S)


def _where_only(total: str, condition: str) -> str:
    """``total`` over the rows that meet ``condition``: COUNT(*) -> COUNTIF(…),
    SUM(x) -> SUM(IF(…, x, 0)), COUNT(DISTINCT k) -> COUNT(DISTINCT IF(…, k, NULL))."""
    if total == "COUNT(*)":
        return f"COUNTIF({condition})"
    found = _AGGREGATE.fullmatch(total)
    if found is None:
        raise PlanError(f"a share of {total}")
    function, distinct, inner = found.groups()
    other = "0" if function == "SUM" else "NULL"
    return f"{function}({distinct or ''}IF({condition}, {inner}, {other}))"


def share_label(plan: QueryPlan, lang: str) -> str:
    """"share that are loyalty members", "share of revenue (…) from Apparel"."""
    assert plan.share is not None
    what = plan.share.label.text(lang)
    if plan.measure is None:
        return f"{what} 비율" if lang == "ko" else f"share that are {what}"
    of = plan.measure.label.text(lang)
    return f"{of} 중 {what} 비율" if lang == "ko" else f"share of {of} from {what}"


def _column_name(dimension: Dimension) -> str:
    """The result column of a dimension; never the name of a column a joined table also has
    (BigQuery groups by an alias, and ``customer_id`` is in every fact table)."""
    if dimension.time:
        return dimension.time
    if dimension.sql.startswith(("CASE", "FORMAT")) or dimension.entity == "customer":
        return dimension.name
    return dimension.sql.split(".")[-1]
