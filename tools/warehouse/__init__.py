"""Warehouse backends behind one interface; ``get_warehouse()`` picks one from settings."""

from __future__ import annotations

from functools import lru_cache

from config.settings import Settings, get_settings
from tools.warehouse.base import QueryResult, Warehouse
from tools.warehouse.errors import SqlError


def open_warehouse(settings: Settings) -> Warehouse:
    """A new warehouse for ``settings`` (the caller owns and closes it)."""
    if settings.backend == "bigquery":
        from tools.warehouse.bigquery_backend import BigQueryWarehouse

        return BigQueryWarehouse.from_settings(settings)
    from tools.warehouse.duckdb_backend import DuckDBWarehouse
    from tools.warehouse.duckdb_dialect import GenerationLimits

    return DuckDBWarehouse(settings.duckdb_path, dataset=settings.dataset,
                           max_rows=settings.max_rows, timeout_s=settings.query_timeout_s,
                           max_sql_chars=settings.max_sql_chars,
                           memory_limit=settings.duckdb_memory_limit,
                           processes=settings.duckdb_processes,
                           limits=GenerationLimits(settings.max_generated_array_length,
                                                   settings.max_generated_string_chars))


@lru_cache(maxsize=1)
def get_warehouse() -> Warehouse:
    """The process-wide warehouse for the current settings."""
    return open_warehouse(get_settings())


__all__ = ["QueryResult", "SqlError", "Warehouse", "get_warehouse", "open_warehouse"]
