"""The live catalog of a warehouse: which tables and columns exist, with BigQuery types."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


def closest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates nearest to ``name``, by spelling, ignoring case and underscores."""

    def norm(text: str) -> str:
        return text.lower().replace("_", "")

    by_norm: dict[str, str] = {}
    for cand in candidates:
        by_norm.setdefault(norm(cand), cand)
    key = norm(name)
    hits = [by_norm[m] for m in difflib.get_close_matches(key, list(by_norm), n=n, cutoff=0.55)]
    for cand in candidates:  # substring matches catch "city" -> "address_city"
        if len(hits) >= n:
            break
        if cand not in hits and key and (key in norm(cand) or norm(cand) in key):
            hits.append(cand)
    return hits[:n]


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

    def all_columns(self) -> list[str]:
        return sorted({col for cols in self.tables.values() for col in cols})

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
