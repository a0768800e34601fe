"""Which table names in a query are CTEs and which are real tables, resolved by scope.

A name in ``FROM`` refers to a CTE only where that CTE is visible (sqlglot's scope
resolution: the query that defines it, its later CTEs and their subqueries), not wherever a
CTE of that name exists somewhere in the statement. System catalogs and internal tables
are refused by name, whatever scope they are reached from.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

# DuckDB's catalog views and table functions (duckdb_tables, pg_settings, sqlite_master,
# pragma_database_list, information_schema) and its catalogs and schemas: refused even as
# CTE names. A leading underscore marks the warehouse's internal tables (_build_info):
# refused as a table, allowed for a CTE (sqlglot names pipe-syntax steps __tmp1, …).
_SYSTEM_NAME = re.compile(
    r"^(duckdb_\w*|pg_\w*|sqlite_\w*|pragma_\w*|information_schema|system|temp|memory)$",
    re.IGNORECASE)


def is_system_name(name: str, cte: bool = False) -> bool:
    """True for a DuckDB system catalog, view or schema name, or (unless ``name`` is a
    CTE visible where it is read) an internal table."""
    name = name.strip()
    return bool(_SYSTEM_NAME.match(name)) or (not cte and name.startswith("_"))


def traverse_scope_safely(tree: exp.Expr) -> list[Scope]:
    """sqlglot's scopes of ``tree``, or none when it cannot build them."""
    try:
        return traverse_scope(tree)
    except (SqlglotError, KeyError, ValueError, TypeError, AttributeError, RecursionError):
        return []


def cte_references(tree: exp.Expr) -> set[int]:
    """The ``id()`` of every ``exp.Table`` in ``tree`` that names a CTE visible there.

    A table not resolved to a CTE (or a query whose scopes cannot be built) is a real
    table reference, to be checked against the catalog.
    """
    scopes = traverse_scope_safely(tree)
    # By the table's name, not its alias: in ``FROM cte AS x, pg_settings AS x`` the
    # second ``x`` is a real table even though the alias ``x`` resolves to the CTE.
    return {id(table) for scope in scopes for table in scope.tables
            if not table.db and table.name in scope.cte_sources}
