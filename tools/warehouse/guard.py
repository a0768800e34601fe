"""The SQL guard: what may reach a warehouse, checked in code before anything runs.

A query passes only if it is exactly one BigQuery-dialect read statement over known
tables and columns, using known functions. The guard returns the parsed tree with table
names reduced to bare names; backends render that tree, never the original text, so
what runs is exactly what was checked.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.qualify import qualify

from tools.warehouse.catalog import Catalog, closest
from tools.warehouse.errors import SqlError

# Typed sqlglot functions that reach outside the data (files, models, remote services).
_DENIED_FUNCTIONS = {
    "AIEmbed", "AIForecast", "AIGenerate", "GenerateBool", "GenerateDouble",
    "GenerateEmbedding", "GenerateInt", "GenerateTable", "GenerateText", "MLForecast",
    "MLTranslate", "Predict", "ReadCSV", "ReadParquet", "ToFile", "XMLElement", "XMLGet",
    "XMLTable",
}
# Statement or clause nodes that are never part of a read query.
_DENIED_NODES: tuple[type[exp.Expression], ...] = (
    exp.DML, exp.DDL, exp.Command, exp.Into, exp.Export, exp.Set, exp.Use,
    exp.Transaction, exp.Commit, exp.Rollback, exp.Copy, exp.LoadData, exp.Pragma,
    exp.Grant, exp.Lock, exp.Declare, exp.Describe, exp.Show,
)
_KNOWN_FUNCTIONS = sorted(BigQuery.Parser.FUNCTIONS)
_ALIAS_RE = re.compile(r"Column '([^']+)' could not be resolved(?: for table: '([^']+)')?")
_UNKNOWN_RE = re.compile(r"Unknown column: (\S+)")

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def validate_query(sql: str, catalog: Catalog, dataset: str, project: str | None = None,
                   max_chars: int = 20_000) -> exp.Query:
    """Return the checked tree of ``sql`` or raise ``SqlError`` saying what to fix."""
    if not sql or not sql.strip():
        raise SqlError("parse_error", "The query is empty.")
    if len(sql) > max_chars:
        raise SqlError("too_long", f"The query is {len(sql):,} characters; the limit is "
                       f"{max_chars:,}. Write a shorter query.")
    tree = _parse_single(sql)
    _check_nodes(tree)
    _normalise_tables(tree, catalog, dataset, project)
    _check_columns(tree, catalog)
    return tree


def _parse_single(sql: str) -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
    except (ParseError, TokenError) as err:
        raise SqlError("parse_error", f"The SQL does not parse as BigQuery SQL: "
                       f"{_first_line(err)}") from None
    except RecursionError:
        raise SqlError("parse_error", "The SQL is nested too deeply to check.") from None
    if not statements:
        raise SqlError("parse_error", "The query is empty.")
    if len(statements) > 1:
        raise SqlError("multiple_statements", f"Found {len(statements)} statements; send "
                       "exactly one SELECT query (no semicolon-separated batches).")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        kind = tree.key.upper() if isinstance(tree, exp.Expression) else type(tree).__name__
        raise SqlError("not_a_query", f"Only read queries (SELECT / WITH … SELECT) may run; "
                       f"this statement is {kind}.")
    return tree


def _check_nodes(tree: exp.Query) -> None:
    for node in tree.walk():
        if isinstance(node, _DENIED_NODES):
            raise SqlError("forbidden_statement", f"A read query may not contain "
                           f"{node.key.upper()}; only SELECT is allowed.")
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            raise SqlError("forbidden_function", f"Unknown or disallowed function {name}().",
                           identifier=name, suggestions=closest(name, _KNOWN_FUNCTIONS))
        if isinstance(node, exp.Func) and type(node).__name__ in _DENIED_FUNCTIONS:
            name = node.sql_name()
            raise SqlError("forbidden_function", f"Function {name}() is not allowed: "
                           "queries may only read the dataset's tables.", identifier=name)


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name for cte in tree.find_all(exp.CTE)}


def _normalise_tables(tree: exp.Query, catalog: Catalog, dataset: str,
                      project: str | None) -> None:
    """Check every table reference and reduce it to its bare name, in place."""
    ctes = _cte_names(tree)
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise SqlError("forbidden_function", "Table functions are not allowed in FROM; "
                           "read the dataset's tables.", identifier=table.sql("bigquery"))
        name = table.name
        db, cat = table.db, table.catalog
        if not db and name in ctes:
            continue
        if table.args.get("when") or table.args.get("version"):
            raise SqlError("forbidden_statement", "Time travel (FOR SYSTEM_TIME AS OF) is "
                           "not allowed.", identifier=name)
        if db and db != dataset:
            raise SqlError("unknown_table", f"Dataset '{db}' is not available; query the "
                           f"'{dataset}' dataset.", identifier=f"{db}.{name}",
                           suggestions=[f"{dataset}.{t}" for t in catalog.closest_tables(name)])
        if cat and project and cat != project:
            raise SqlError("unknown_table", f"Project '{cat}' is not available; use "
                           f"'{project}' or omit the project.", identifier=f"{cat}.{db}.{name}")
        if not catalog.has_table(name):
            raise SqlError("unknown_table", f"Table '{name}' does not exist in dataset "
                           f"'{dataset}'.", identifier=name,
                           suggestions=catalog.closest_tables(name),
                           hint=f"Known tables: {', '.join(catalog.table_names())}.")
        table.set("db", None)
        table.set("catalog", None)


def _query_tables(tree: exp.Expression, catalog: Catalog) -> list[str]:
    return sorted({t.name for t in tree.find_all(exp.Table) if catalog.has_table(t.name)})


def _check_columns(tree: exp.Query, catalog: Catalog) -> None:
    """Qualify columns against the schema; name the bad one and the closest real ones."""
    try:
        qualify(tree.copy(), schema=catalog.sqlglot_schema(), dialect="bigquery",
                validate_qualify_columns=True, identify=False, quote_identifiers=False)
    except OptimizeError as err:
        message = str(err)
        match = _ALIAS_RE.search(message) or _UNKNOWN_RE.search(message)
        if not match:
            return  # a construct the qualifier does not model: the backend will judge it
        column = match.group(1)
        tables = _query_tables(tree, catalog)
        owners = [t for t in tables if column in catalog.columns(t)]
        if len(owners) > 1:
            raise SqlError("ambiguous_column", f"Column '{column}' exists in several tables "
                           f"({', '.join(owners)}); qualify it with a table alias.",
                           identifier=column,
                           suggestions=[f"{t}.{column}" for t in owners]) from None
        if owners:  # exists, but referenced through the wrong alias
            return
        raise SqlError("unknown_column", f"Column '{column}' does not exist in "
                       f"{', '.join(tables) or 'the queried tables'}.", identifier=column,
                       suggestions=catalog.closest_columns(column, tables or None)) from None


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__
