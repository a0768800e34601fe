"""The live catalog of a warehouse: which tables and columns exist, with BigQuery types."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz


def closest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates nearest to ``name`` by spelling, ignoring case and underscores.

    A candidate is also compared part by part, so "cty" finds "address_city".
    """
    key = name.lower().replace("_", "")
    if not key:
        return []

    def score(cand: str) -> float:
        lowered = cand.lower()
        forms = [lowered.replace("_", ""), *lowered.split("_")]
        best = max(fuzz.ratio(key, form) / 100 for form in forms if form)
        return 1.0 if key in forms[0] else best

    ranked = sorted(((score(c), c) for c in dict.fromkeys(candidates)), key=lambda sc: -sc[0])
    return [cand for value, cand in ranked if value >= 0.6][:n]


@dataclass
class Catalog:
    """``tables`` maps table name -> ordered {column name: BigQuery type}."""

    tables: dict[str, dict[str, str]] = field(default_factory=dict)

    def table_names(self) -> list[str]:
        return sorted(self.tables)

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def columns(self, table: str) -> dict[str, str]:
        return self.tables[table]


    def closest_tables(self, name: str) -> list[str]:
        return closest(name, self.table_names())

    def closest_columns(self, name: str, tables: list[str] | None = None) -> list[str]:
        """Closest column names, as ``table.column``, within ``tables`` (or all tables)."""
        scope = [t for t in (tables or self.table_names()) if t in self.tables]
        qualified = [f"{t}.{c}" for t in scope for c in self.tables[t]]
        bare = closest(name, [q.split(".", 1)[1] for q in qualified], n=5)
        return [q for q in qualified if q.split(".", 1)[1] in bare][:5]

    def sqlglot_schema(self) -> dict[str, dict[str, str]]:
        return {t: dict(cols) for t, cols in self.tables.items()}
