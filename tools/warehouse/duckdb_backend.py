"""The embedded warehouse: a DuckDB file, queried read-only with BigQuery SQL.

Queries arrive as checked BigQuery syntax trees and are rendered by
``tools.warehouse.duckdb_dialect``. They run on a read-only connection with external access
off, IEEE division off (x / 0 is an error, as on BigQuery) and the UTC time zone.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
from sqlglot import exp

from tools.warehouse.base import QueryResult, Warehouse, json_safe
from tools.warehouse.catalog import Catalog
from tools.warehouse.duckdb_dialect import to_duckdb_sql
from tools.warehouse.errors import SqlError

_BQ_TYPES = {
    "BIGINT": "INT64", "INTEGER": "INT64", "SMALLINT": "INT64", "TINYINT": "INT64",
    "HUGEINT": "INT64", "UBIGINT": "INT64", "UINTEGER": "INT64", "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64", "REAL": "FLOAT64", "VARCHAR": "STRING", "BOOLEAN": "BOOL",
    "TIMESTAMP": "DATETIME", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "DATE": "DATE",
    "TIME": "TIME", "BLOB": "BYTES", "JSON": "JSON",
}
SETUP_HINT = "Build it with: cymbal setup"


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
    """BigQuery SQL over a local DuckDB file, on a read-only connection."""

    name = "duckdb"

    def __init__(self, path: Path, dataset: str = "cymbal", max_rows: int = 500,
                 timeout_s: float = 30.0, max_sql_chars: int = 20_000,
                 memory_limit: str = "4GB") -> None:
        super().__init__(dataset=dataset, project=None, max_rows=max_rows,
                         timeout_s=timeout_s, max_sql_chars=max_sql_chars)
        self.path = Path(path)
        self.memory_limit = memory_limit  # a runaway query fails instead of exhausting RAM
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"DuckDB {self.path}"

    def freshness(self) -> dt.datetime | None:
        if not self.path.exists():
            return None
        return dt.datetime.fromtimestamp(self.path.stat().st_mtime)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
        self.refresh()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None:
                self._con = self._open()
            return self._con

    def _open(self) -> duckdb.DuckDBPyConnection:
        if not self.path.exists():
            raise SqlError("warehouse_missing", f"No warehouse at {self.path}.",
                           hint=SETUP_HINT)
        try:
            con = duckdb.connect(str(self.path), read_only=True, config={
                "enable_external_access": False,
                "autoload_known_extensions": False,
                "autoinstall_known_extensions": False,
                "ieee_floating_point_ops": False,
                "memory_limit": self.memory_limit,
            })
        except duckdb.IOException as err:
            text = str(err)
            if "lock" in text.lower():
                raise SqlError("warehouse_locked", f"The warehouse {self.path} is being "
                               "written by another process.",
                               hint="Wait for `cymbal setup`/`cymbal enrich` to finish, "
                               "then retry.") from None
            raise SqlError("warehouse_missing", f"Cannot open {self.path}: {text}",
                           hint=SETUP_HINT) from None
        con.execute("SET TimeZone = 'UTC'")  # BigQuery's default time zone
        con.execute("SET lock_configuration = true")
        return con

    def _load_catalog(self) -> Catalog:
        rows = self._connection().cursor().execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY table_name, ordinal_position").fetchall()
        tables: dict[str, dict[str, str]] = {}
        for table, column, dtype in rows:
            tables.setdefault(table, {})[column] = bigquery_type(dtype)
        return Catalog(tables)

    def _execute(self, tree: exp.Query, max_rows: int) -> QueryResult:
        sql = to_duckdb_sql(tree, self.catalog())
        cursor = self._connection().cursor()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        timer.start()
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description]
            types = [bigquery_type(str(d[1])) for d in cursor.description]
            fetched = cursor.fetchmany(max_rows + 1)
        except duckdb.InterruptException:
            raise SqlError("timeout", f"The query ran longer than {self.timeout_s:g}s and "
                           "was stopped.", hint="Aggregate more or filter earlier.") from None
        except duckdb.Error as err:
            raise SqlError("execution_error", _duckdb_message(err)) from None
        finally:
            timer.cancel()
            cursor.close()
        truncated = len(fetched) > max_rows
        rows = [[json_safe(v) for v in row] for row in fetched[:max_rows]]
        return QueryResult(columns=columns, rows=rows, truncated=truncated,
                           sql=tree.sql("bigquery"), executed_sql=sql, backend=self.name,
                           elapsed_ms=0.0, column_types=types)


def _duckdb_message(err: duckdb.Error) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:3])[:500]


__all__ = ["DuckDBWarehouse", "bigquery_type"]
