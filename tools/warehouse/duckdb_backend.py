"""The embedded warehouse: a DuckDB file, queried read-only with BigQuery SQL.

Queries arrive as checked BigQuery syntax trees and are rendered by
``tools.warehouse.duckdb_dialect``. They run in worker processes
(``tools.warehouse.duckdb_process``) on read-only connections with external access off,
IEEE division off (x / 0 is an error, as on BigQuery), the UTC time zone, a hard memory cap
and a timeout that holds even where DuckDB ignores its interrupt.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlglot import exp

from tools.warehouse.base import QueryResult, Warehouse
from tools.warehouse.catalog import Catalog
from tools.warehouse.duckdb_dialect import GenerationLimits, to_duckdb_sql
from tools.warehouse.duckdb_process import DuckDBProcessPool

_BQ_TYPES = {
    "BIGINT": "INT64", "INTEGER": "INT64", "SMALLINT": "INT64", "TINYINT": "INT64",
    "HUGEINT": "INT64", "UBIGINT": "INT64", "UINTEGER": "INT64", "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64", "REAL": "FLOAT64", "VARCHAR": "STRING", "BOOLEAN": "BOOL",
    "TIMESTAMP": "DATETIME", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "DATE": "DATE",
    "TIME": "TIME", "BLOB": "BYTES", "JSON": "JSON",
}


def bigquery_type(duckdb_type: str) -> str:
    """The BigQuery name of a DuckDB column type (``DECIMAL(18,2)`` -> ``NUMERIC``)."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return "NUMERIC"
    if upper.endswith("[]"):
        return f"ARRAY<{bigquery_type(upper[:-2])}>"
    if upper.startswith("STRUCT"):
        return "STRUCT"
    return _BQ_TYPES.get(upper, upper)


class DuckDBWarehouse(Warehouse):
    """BigQuery SQL over a local DuckDB file, on read-only connections in worker processes."""

    name = "duckdb"

    def __init__(self, path: Path, dataset: str = "cymbal", max_rows: int = 500,
                 timeout_s: float = 30.0, max_sql_chars: int = 20_000,
                 memory_limit: str = "4GB", processes: int = 2,
                 limits: GenerationLimits | None = None) -> None:
        super().__init__(dataset=dataset, project=None, max_rows=max_rows,
                         timeout_s=timeout_s, max_sql_chars=max_sql_chars)
        self.path = Path(path)
        self.memory_limit = memory_limit  # DuckDB's cap; the worker's hard cap sits above it
        self.limits = limits or GenerationLimits()
        self.processes = DuckDBProcessPool(self.path, memory_limit, processes)

    def describe(self) -> str:
        return f"DuckDB {self.path}"

    def label(self) -> str:
        return "local DuckDB"

    def freshness(self) -> dt.datetime | None:
        if not self.path.exists():
            return None
        return dt.datetime.fromtimestamp(self.path.stat().st_mtime)

    def close(self) -> None:
        self.processes.close()
        self.refresh()

    def _load_catalog(self) -> Catalog:
        reply = self.processes.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY table_name, ordinal_position", max_rows=1_000_000,
            timeout_s=self.timeout_s)
        tables: dict[str, dict[str, str]] = {}
        for table, column, dtype in reply["rows"]:
            tables.setdefault(table, {})[column] = bigquery_type(dtype)
        return Catalog(tables)

    def _execute(self, tree: exp.Query, max_rows: int) -> QueryResult:
        sql = to_duckdb_sql(tree, self.catalog(), self.limits)
        reply = self.processes.execute(sql, max_rows, self.timeout_s)
        fetched = reply["rows"]
        return QueryResult(columns=reply["columns"], rows=fetched[:max_rows],
                           truncated=len(fetched) > max_rows, sql=tree.sql("bigquery"),
                           executed_sql=sql, backend=self.name, elapsed_ms=0.0,
                           column_types=[bigquery_type(t) for t in reply["types"]])


__all__ = ["DuckDBWarehouse", "bigquery_type"]
