"""The warehouse interface: one safe query path, two backends.

Every query the agent, the CLI or the UI runs goes through ``Warehouse.run_query``:
the SQL guard validates the BigQuery-dialect text against the live catalog, and
only the validated syntax tree, rendered again, reaches a backend.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlglot import exp

from tools.warehouse.catalog import Catalog
from tools.warehouse.errors import SqlError
from tools.warehouse.guard import validate_query


@dataclass
class QueryResult:
    """A capped query result; ``rows`` hold JSON-safe values only."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    sql: str  # the BigQuery SQL as validated
    executed_sql: str  # what the backend ran
    backend: str
    elapsed_ms: float
    bytes_processed: int | None = None
    column_types: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def json_safe(value: Any) -> Any:
    """Convert one database value into something ``json.dumps`` accepts."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    return str(value)


class Warehouse(ABC):
    """A read-only SQL warehouse that accepts BigQuery-dialect queries."""

    name: str

    def __init__(self, dataset: str, project: str | None, max_rows: int, timeout_s: float,
                 max_sql_chars: int) -> None:
        self.dataset = dataset
        self.project = project
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.max_sql_chars = max_sql_chars
        self._catalog: Catalog | None = None

    # -- public ---------------------------------------------------------------------------
    def catalog(self) -> Catalog:
        """Tables and columns as they exist now (cached; ``refresh`` drops the cache)."""
        if self._catalog is None:
            self._catalog = self._load_catalog()
        return self._catalog

    def refresh(self) -> None:
        self._catalog = None

    def validate(self, sql: str) -> exp.Query:
        """Check ``sql`` without running it; raise ``SqlError`` if it may not run."""
        return validate_query(sql, self.catalog(), dataset=self.dataset, project=self.project,
                              max_chars=self.max_sql_chars)

    def run_query(self, sql: str, max_rows: int | None = None) -> QueryResult:
        """Validate and run one BigQuery-dialect read query; rows are capped."""
        tree = self.validate(sql)
        cap = self.max_rows if max_rows is None else max(1, min(max_rows, self.max_rows))
        started = time.perf_counter()
        result = self._execute(tree, cap)
        result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    @abstractmethod
    def describe(self) -> str:
        """A one-line human description: engine and location."""

    def label(self) -> str:
        """What a marketer is shown: the engine and dataset, never a server path."""
        return self.describe()

    @abstractmethod
    def freshness(self) -> dt.datetime | None:
        """When the data was last built or modified, if known."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""

    # -- backend hooks --------------------------------------------------------------------
    @abstractmethod
    def _load_catalog(self) -> Catalog:
        ...

    @abstractmethod
    def _execute(self, tree: exp.Query, max_rows: int) -> QueryResult:
        ...


__all__ = ["QueryResult", "SqlError", "Warehouse", "json_safe"]
