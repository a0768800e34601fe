"""The documented schema of the cymbal dataset, read from ``knowledge/schema/*.yaml``.

Column order and BigQuery types here are the contract for every loader and the generator;
descriptions are what the agent and the people reading its answers see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from config.settings import PROJECT_ROOT

SCHEMA_DIR = PROJECT_ROOT / "knowledge" / "schema"

_DUCKDB_TYPES = {
    "INT64": "BIGINT", "FLOAT64": "DOUBLE", "STRING": "VARCHAR", "BOOL": "BOOLEAN",
    "DATETIME": "TIMESTAMP", "TIMESTAMP": "TIMESTAMPTZ", "DATE": "DATE", "JSON": "JSON",
}
_PANDAS_TYPES = {
    "INT64": "Int64", "FLOAT64": "Float64", "STRING": "string", "BOOL": "boolean",
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    description: str
    values: tuple[str, ...] = ()
    optional: bool = False  # some sources lack it (the lab's customers have no consent flag)


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    origin: str
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_names(self) -> list[str]:
        """The columns every source of this table has."""
        return [c.name for c in self.columns if not c.optional]

    def fitted(self, present: Iterable[str]) -> TableSpec:
        """This table without the optional columns a source lacks (``present``: its columns)."""
        have = set(present)
        return replace(self, columns=tuple(c for c in self.columns
                                           if not c.optional or c.name in have))

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def duckdb_ddl(self, table_name: str | None = None) -> str:
        cols = ", ".join(f'"{c.name}" {duckdb_type(c.type)}' for c in self.columns)
        return f'CREATE OR REPLACE TABLE "{table_name or self.name}" ({cols})'


def duckdb_type(bigquery_type: str) -> str:
    return _DUCKDB_TYPES.get(bigquery_type.upper(), "VARCHAR")


@lru_cache(maxsize=4)
def load_schema(folder: Path = SCHEMA_DIR) -> dict[str, TableSpec]:
    """All documented tables: ``base.yaml`` first, then the other files by name."""
    files = sorted(Path(folder).glob("*.yaml"), key=lambda p: (p.stem != "base", p.name))
    tables: dict[str, TableSpec] = {}
    for path in files:
        tables.update(_read_tables(path))
    return tables


def _read_tables(path: Path) -> dict[str, TableSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables: dict[str, TableSpec] = {}
    for name, body in raw["tables"].items():
        columns = tuple(
            ColumnSpec(name=col, type=spec["type"], description=spec.get("description", ""),
                       values=tuple(str(v) for v in spec.get("values", ())),
                       optional=bool(spec.get("optional", False)))
            for col, spec in body["columns"].items()
        )
        tables[name] = TableSpec(name=name, description=" ".join(body["description"].split()),
                                 origin=body.get("origin", "derived"), columns=columns)
    return tables


def specs_for(names: list[str] | set[str]) -> dict[str, TableSpec]:
    """The specs of ``names``; every table written anywhere must be documented."""
    schema = load_schema()
    unknown = sorted(set(names) - set(schema))
    if unknown:
        raise ValueError(f"Undocumented tables {unknown}: describe them in knowledge/schema/")
    return {name: schema[name] for name in names}


def conform(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Columns of ``frame`` in the spec's order with the spec's types (extra columns dropped;
    an optional column the frame lacks is left out)."""
    spec = spec.fitted(frame.columns)
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{spec.name}: missing columns {missing}")
    out = frame[spec.column_names].copy()
    for col in spec.columns:
        kind = col.type.upper()
        if kind in ("DATETIME", "TIMESTAMP"):
            out[col.name] = pd.to_datetime(out[col.name])
        elif kind == "DATE":
            out[col.name] = pd.to_datetime(out[col.name]).dt.date
        elif kind in _PANDAS_TYPES:
            out[col.name] = out[col.name].astype(_PANDAS_TYPES[kind])
    return out
