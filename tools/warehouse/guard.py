"""The SQL guard: what may reach a warehouse, checked in code before anything runs.

A query passes only if it is exactly one BigQuery-dialect read statement over known
tables and columns, calling only BigQuery functions on an allowlist. The guard returns
the parsed tree with table names reduced to bare names and comments removed; backends
render that tree, never the original text, so what runs is exactly what was checked.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.tokens import TokenType

from tools.warehouse.catalog import Catalog, closest
from tools.warehouse.errors import SqlError
from tools.warehouse.table_scope import (
    cte_references,
    is_system_name,
    traverse_scope_safely,
)

# BigQuery functions a query may call, by the name written before the parenthesis.
# Anything else is refused: EXTERNAL_QUERY, DuckDB's read_csv/getenv, a dataset's UDFs, and
# every namespaced call except SAFE.<fn> (ML., AI., NET., KEYS., OBJ. …).
BIGQUERY_FUNCTIONS = frozenset("""
ANY_VALUE ARRAY_AGG ARRAY_CONCAT_AGG AVG BIT_AND BIT_OR BIT_XOR COUNT COUNTIF GROUPING
LOGICAL_AND LOGICAL_OR MAX MAX_BY MIN MIN_BY STRING_AGG SUM APPROX_COUNT_DISTINCT
APPROX_QUANTILES APPROX_TOP_COUNT APPROX_TOP_SUM CORR COVAR_POP COVAR_SAMP STDDEV STDDEV_POP
STDDEV_SAMP VAR_POP VAR_SAMP VARIANCE CUME_DIST DENSE_RANK NTILE PERCENT_RANK RANK ROW_NUMBER
FIRST_VALUE LAST_VALUE NTH_VALUE LAG LEAD PERCENTILE_CONT PERCENTILE_DISC
CAST SAFE_CAST EXTRACT IF IFNULL NULLIF COALESCE PARSE_NUMERIC PARSE_BIGNUMERIC
CURRENT_DATE DATE DATE_ADD DATE_DIFF DATE_FROM_UNIX_DATE DATE_SUB DATE_TRUNC FORMAT_DATE
LAST_DAY PARSE_DATE UNIX_DATE CURRENT_DATETIME DATETIME DATETIME_ADD DATETIME_DIFF
DATETIME_SUB DATETIME_TRUNC FORMAT_DATETIME PARSE_DATETIME CURRENT_TIME TIME TIME_ADD
TIME_DIFF TIME_SUB TIME_TRUNC FORMAT_TIME PARSE_TIME CURRENT_TIMESTAMP FORMAT_TIMESTAMP
PARSE_TIMESTAMP STRING TIMESTAMP TIMESTAMP_ADD TIMESTAMP_DIFF TIMESTAMP_MICROS
TIMESTAMP_MILLIS TIMESTAMP_SECONDS TIMESTAMP_SUB TIMESTAMP_TRUNC UNIX_MICROS UNIX_MILLIS
UNIX_SECONDS ABS ACOS ASIN ATAN ATAN2 CBRT CEIL CEILING COS COSH DIV EXP FLOOR GREATEST
IEEE_DIVIDE IS_INF IS_NAN LEAST LN LOG LOG10 MOD POW POWER RAND RANGE_BUCKET ROUND SAFE_ADD
SAFE_DIVIDE SAFE_MULTIPLY SAFE_NEGATE SAFE_SUBTRACT SIGN SIN SINH SQRT TAN TANH TRUNC
ASCII BYTE_LENGTH CHAR_LENGTH CHARACTER_LENGTH CHR CODE_POINTS_TO_STRING COLLATE CONCAT
CONTAINS_SUBSTR EDIT_DISTANCE ENDS_WITH FORMAT FROM_BASE64 FROM_HEX INITCAP INSTR LEFT LENGTH
LOWER LPAD LTRIM NORMALIZE NORMALIZE_AND_CASEFOLD OCTET_LENGTH REGEXP_CONTAINS REGEXP_EXTRACT
REGEXP_EXTRACT_ALL REGEXP_INSTR REGEXP_REPLACE REGEXP_SUBSTR REPEAT REPLACE REVERSE RIGHT RPAD
RTRIM SOUNDEX SPLIT STARTS_WITH STRPOS SUBSTR SUBSTRING TO_BASE64 TO_CODE_POINTS TO_HEX
TRANSLATE TRIM UNICODE UPPER FARM_FINGERPRINT MD5 SHA1 SHA256 SHA512 JSON_EXTRACT
JSON_EXTRACT_ARRAY JSON_EXTRACT_SCALAR JSON_EXTRACT_STRING_ARRAY JSON_QUERY JSON_QUERY_ARRAY
JSON_VALUE JSON_VALUE_ARRAY PARSE_JSON TO_JSON TO_JSON_STRING JSON_TYPE BOOL INT64 FLOAT64
LAX_BOOL LAX_INT64 LAX_FLOAT64 LAX_STRING JSON_OBJECT JSON_ARRAY ARRAY_CONCAT ARRAY_LENGTH
ARRAY_REVERSE ARRAY_TO_STRING ARRAY_FIRST ARRAY_LAST GENERATE_ARRAY GENERATE_DATE_ARRAY
GENERATE_TIMESTAMP_ARRAY GENERATE_UUID ERROR
""".split())
_FUNCTION_NAMES = sorted(BIGQUERY_FUNCTIONS)
# Words written like a call that are syntax: arr[ORDINAL(1)], WEEK(MONDAY), SYSTEM (10 PERCENT).
_CALL_SYNTAX = frozenset({"SAFE_OFFSET", "ORDINAL", "SAFE_ORDINAL", "WEEK", "SYSTEM"})
_CALL_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER)
# Typed sqlglot functions that reach outside the data (files, models, remote services),
# refused whichever spelling produced them.
_DENIED_FUNCTIONS = frozenset({
    "AIAgg", "AIClassify", "AIEmbed", "AIForecast", "AIGenerate", "AISimilarity",
    "AISummarizeAgg", "FeaturesAtTime", "GenerateBool", "GenerateDouble", "GenerateEmbedding",
    "GenerateInt", "GenerateTable", "GenerateText", "Glob", "MLForecast", "MLTranslate",
    "NetFunc", "NextValueFor", "Predict", "ReadCSV", "ReadParquet", "ToFile", "VectorSearch",
    "XMLElement", "XMLGet", "XMLTable",
})
# Functions that reveal who or where the query runs (SESSION_USER(), CURRENT_USER, …).
_IDENTITY_FUNCTION = re.compile(r"^(Current(?!(Date|Datetime|Time|Timestamp)$)\w+|Session\w+)$")
# Statement or clause nodes that are never part of a read query; query parameters and
# @@system variables, which the agent has no way to bind.
_DENIED_NODES: tuple[type[exp.Expr], ...] = (
    exp.DML, exp.DDL, exp.Command, exp.Into, exp.Export, exp.Set, exp.Use,
    exp.Transaction, exp.Commit, exp.Rollback, exp.Copy, exp.LoadData, exp.Pragma,
    exp.Grant, exp.Lock, exp.Declare, exp.Describe, exp.Show, exp.Parameter,
    exp.Placeholder, exp.SessionParameter,
)
_PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Statement words BigQuery does not reserve: unquoted, they would silently become a name
# (``SELECT 1 # ;\nDELETE FROM t`` selects a column called DELETE), so they must be quoted.
_STATEMENT_WORDS = frozenset("""
ALTER ATTACH BEGIN CALL CHECKPOINT COMMIT COPY CREATE DECLARE DELETE DETACH DROP EXECUTE
EXPORT GRANT IMPORT INSERT INSTALL LOAD MERGE PRAGMA RESET REVOKE ROLLBACK TRUNCATE UPDATE
USE VACUUM
""".split())
# DuckDB-only syntax that BigQuery rejects: a query that passes here must pass there.
_DUCKDB_TOKENS = {TokenType.DCOLON: "'::' casts (write CAST(x AS type))",
                  TokenType.L_BRACE: "'{…}' struct literals (write STRUCT(…))",
                  TokenType.ASOF: "ASOF joins"}
_FILE_LIKE = re.compile(r"[/\\:]|\.(csv|tsv|txt|json|ndjson|jsonl|parquet|avro|orc|xlsx?|db|"
                        r"duckdb|sqlite3?|gz|zip)$", re.IGNORECASE)
MAX_DEPTH = 200  # syntax-tree depth; real analytical queries stay far below
# Control characters other than tab/newline/CR/form feed, and bidirectional overrides.
_HIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_UNRESOLVED_RE = re.compile(r"Column '([^']+)' could not be resolved(?: for table: '([^']+)')?")
_UNKNOWN_RE = re.compile(r"Unknown column: (\S+)")
_AMBIGUOUS_RE = re.compile(r"Ambiguous column '([^']+)'")
_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: .*?>")
_CLASS_REPR = re.compile(r"<class 'sqlglot\.[\w.]*?(\w+)'>")

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def validate_query(sql: str, catalog: Catalog, dataset: str, project: str | None = None,
                   max_chars: int = 20_000) -> exp.Query:
    """Return the checked tree of ``sql`` or raise ``SqlError`` saying what to fix."""
    if not sql or not sql.strip():
        raise SqlError("parse_error", "The query is empty.")
    if len(sql) > max_chars:
        raise SqlError("too_long", f"The query is {len(sql):,} characters; the limit is "
                       f"{max_chars:,}. Write a shorter query.")
    hidden = _HIDDEN_CHARS.search(sql)
    if hidden:
        raise SqlError("parse_error", f"The SQL contains the control character "
                       f"U+{ord(hidden.group()):04X} at position {hidden.start()}; remove it.")
    try:
        tree = _parse_single(sql)
        _check_tokens(sql)
        _check_depth(tree)
        _check_nodes(tree)
        _normalise_tables(tree, catalog, dataset, project)
        _check_columns(tree, catalog)
    except RecursionError:
        raise SqlError("too_complex", "The SQL is nested too deeply to check; flatten it "
                       "with WITH clauses.") from None
    return tree


def _check_tokens(sql: str) -> None:
    """Refuse calls of names off the allowlist and unquoted names BigQuery would reject.

    Checked on the tokens, so a function is judged by the name as written, whatever
    sqlglot would have parsed it into.
    """
    tokens = BigQuery().tokenize(sql)  # cannot fail: the same text has just been parsed
    _check_duckdb_syntax(tokens)
    for token in tokens:
        if token.token_type == TokenType.VAR and not _PLAIN_IDENTIFIER.fullmatch(token.text):
            raise SqlError("parse_error", f"'{token.text}' is not a valid unquoted name; "
                           "BigQuery needs other characters inside backticks.",
                           identifier=token.text, hint=f"Write `{token.text}`.")
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        if token.token_type not in _CALL_TOKENS:
            continue
        name = token.text.upper()
        dotted = index >= 2 and tokens[index - 1].token_type == TokenType.DOT
        if dotted:
            namespace = tokens[index - 2].text.upper()
            if namespace != "SAFE" or name not in BIGQUERY_FUNCTIONS:
                raise SqlError("forbidden_function", f"Function {namespace}.{name}() is not "
                               "allowed: queries may only read the dataset's tables with "
                               "built-in functions.", identifier=f"{namespace}.{name}")
        elif name not in BIGQUERY_FUNCTIONS and name not in _CALL_SYNTAX:
            raise SqlError("forbidden_function", f"Unknown or disallowed function {name}().",
                           identifier=name,
                           suggestions=closest(name, _FUNCTION_NAMES))


def _check_duckdb_syntax(tokens: list) -> None:
    """Refuse DuckDB-only syntax the BigQuery parser lets through."""
    depth = 0
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        word = following.text.upper() if following is not None else ""
        what = _DUCKDB_TOKENS.get(token.token_type)
        if token.token_type == TokenType.USING and word == "SAMPLE":
            what = "USING SAMPLE (write TABLESAMPLE SYSTEM (n PERCENT))"
        elif token.text.upper() == "POSITIONAL" and word == "JOIN":
            what = "POSITIONAL JOIN"
        elif (token.token_type == TokenType.SELECT and depth == 0 and index > 0
              and tokens[0].token_type == TokenType.FROM
              and tokens[index - 1].token_type != TokenType.PIPE_GT):
            what = "FROM-first queries (write SELECT … FROM, or pipe syntax FROM t |> SELECT …)"
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if what:
            raise SqlError("parse_error", f"BigQuery does not accept {what}.",
                           identifier=token.text)


def _parse_single(sql: str) -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
    except SqlglotError as err:
        raise SqlError("parse_error", f"The SQL does not parse as BigQuery SQL: "
                       f"{_first_line(err)}") from None
    if not statements:
        raise SqlError("parse_error", "The query is empty.")
    if len(statements) > 1:
        raise SqlError("multiple_statements", f"Found {len(statements)} statements; send "
                       "exactly one SELECT query (no semicolon-separated batches).")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        what = f"this statement is {tree.key.upper()}" if isinstance(tree, _DENIED_NODES) \
            else "this is not a query"
        raise SqlError("not_a_query", f"Only read queries (SELECT / WITH … SELECT) may run; "
                       f"{what}.")
    return tree


def _check_depth(tree: exp.Expr) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SqlError("too_complex", f"The SQL is nested more than {MAX_DEPTH} levels "
                           "deep; flatten it with WITH clauses.")
        stack.extend((child, depth + 1) for child in node.iter_expressions())


def _check_nodes(tree: exp.Query) -> None:
    """Refuse statement nodes and functions that reach outside the data; drop comments."""
    for node in tree.walk():
        node.comments = None
        if (isinstance(node, exp.Identifier) and not node.quoted
                and node.name.upper() in _STATEMENT_WORDS):
            raise SqlError("parse_error", f"{node.name} is read as a name here; a query is "
                           f"one SELECT. Quote it (`{node.name}`) if it is meant as a name.",
                           identifier=node.name)
        if isinstance(node, _DENIED_NODES):
            raise SqlError("forbidden_statement", f"A read query may not contain "
                           f"{node.key.upper()}; only SELECT is allowed.")
        if isinstance(node, exp.Anonymous) and node.name.upper() not in BIGQUERY_FUNCTIONS:
            name = node.name.upper()
            raise SqlError("forbidden_function", f"Unknown or disallowed function {name}().",
                           identifier=name,
                           suggestions=closest(name, _FUNCTION_NAMES))
        kind = type(node).__name__
        if isinstance(node, exp.Func) and (kind in _DENIED_FUNCTIONS
                                           or _IDENTITY_FUNCTION.match(kind)):
            name = node.sql_name()
            raise SqlError("forbidden_function", f"Function {name}() is not allowed: "
                           "queries may only read the dataset's tables.", identifier=name)


def _normalise_tables(tree: exp.Query, catalog: Catalog, dataset: str,
                      project: str | None) -> None:
    """Check every table reference and reduce it to its bare name, in place."""
    ctes = cte_references(tree)
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise SqlError("forbidden_function", "Table functions are not allowed in FROM; "
                           "read the dataset's tables.", identifier=table.sql("bigquery"))
        name, db, cat = table.name, table.db, table.catalog
        if table.args.get("when") or table.args.get("version"):
            raise SqlError("forbidden_statement", "Time travel (FOR SYSTEM_TIME AS OF) is "
                           "not allowed.", identifier=name)
        path = ".".join(part.name for part in table.parts)
        if any(is_system_name(part.name, cte=id(table) in ctes) for part in table.parts):
            raise SqlError("unknown_table", f"'{path}' is a system catalog or internal table; "
                           f"only the tables of dataset '{dataset}' can be queried.",
                           identifier=path,
                           hint=f"Known tables: {', '.join(catalog.table_names())}.")
        if id(table) in ctes:
            continue
        if "INFORMATION_SCHEMA" in path.upper() or "." in name or _FILE_LIKE.search(path):
            raise SqlError("unknown_table", f"'{path}' is not a table of dataset "
                           f"'{dataset}'; metadata views, files and URLs cannot be queried.",
                           identifier=path,
                           hint=f"Known tables: {', '.join(catalog.table_names())}.")
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


def _check_columns(tree: exp.Query, catalog: Catalog) -> None:
    """Qualify columns against the schema; name the bad one and the closest real ones."""
    schema: dict[str, object] = dict(catalog.sqlglot_schema())
    try:
        qualify(tree.copy(), schema=schema, dialect="bigquery",
                validate_qualify_columns=True, identify=False, quote_identifiers=False)
    except OptimizeError as err:
        _raise_column_error(str(err), tree, catalog)
    except (SqlglotError, KeyError, ValueError, TypeError, AttributeError, IndexError):
        return  # a construct the qualifier does not model: the backend will judge it


def _sources(tree: exp.Query, catalog: Catalog, column: str | None = None,
             qualifier: str | None = None) -> dict[str, str | None]:
    """Every alias (lower case) a column may be qualified with -> its catalog table, if any.

    With ``column`` (and ``qualifier``), only the sources in scope where that column is
    read: a table read inside a CTE is not a source of the query that reads the CTE.
    """
    for scope in (traverse_scope_safely(tree) if column else []):
        if any(c.name.lower() == column and c.table.lower() == (qualifier or "")
               for c in scope.columns):
            return {alias.lower(): (source.name if isinstance(source, exp.Table)
                                    and catalog.has_table(source.name) else None)
                    for alias, (_node, source) in scope.selected_sources.items()}
    out: dict[str, str | None] = {}
    for table in tree.find_all(exp.Table):
        out[table.alias_or_name.lower()] = table.name if catalog.has_table(table.name) else None
    for derived in tree.find_all(exp.Subquery):
        if derived.alias:
            out[derived.alias.lower()] = None
    return out


def _renamed(tree: exp.Query, alias: str, column: str) -> list[str]:
    """The output names under which the CTE or subquery ``alias`` selects ``column``."""
    return [projection.alias for node in tree.find_all(exp.CTE, exp.Subquery)
            if node.alias.lower() == alias and isinstance(node.this, exp.Select)
            for projection in node.this.expressions
            if isinstance(projection, exp.Alias) and isinstance(projection.this, exp.Column)
            and projection.this.name.lower() == column]


def _derived_columns(tree: exp.Query, alias: str) -> list[str]:
    """The output column names of the CTE or subquery called ``alias``."""
    for node in tree.find_all(exp.CTE, exp.Subquery):
        if node.alias.lower() == alias and isinstance(node.this, exp.Query):
            return list(node.this.named_selects)
    return []


def _raise_column_error(message: str, tree: exp.Query, catalog: Catalog) -> None:
    sources = _sources(tree, catalog)
    unresolved = _UNRESOLVED_RE.search(message)
    if unresolved and unresolved.group(2):
        column, qualifier = unresolved.group(1).lower(), unresolved.group(2).lower()
        sources = _sources(tree, catalog, column, qualifier) or sources
        if qualifier in sources:
            _raise_wrong_source(column, qualifier, tree, sources, catalog)
        _raise_bad_qualifier(column, qualifier, sources, catalog)
    unknown = _UNKNOWN_RE.search(message)
    if unknown:
        column = unknown.group(1).lower()
        for node in tree.find_all(exp.Column):
            qualifier = node.table.lower()
            if node.name.lower() != column or qualifier not in sources:
                continue
            scoped = _sources(tree, catalog, column, qualifier) or sources
            owner = scoped.get(qualifier, sources[qualifier])
            if owner is None or column not in catalog.columns(owner):
                _raise_wrong_source(column, qualifier, tree, scoped | {qualifier: owner},
                                    catalog)
    match = unresolved or unknown or _AMBIGUOUS_RE.search(message)
    if not match:
        return  # a construct the qualifier does not model: the backend will judge it
    column = match.group(1).lower()
    tables = sorted({t for t in sources.values() if t})
    owners = [t for t in tables if column in catalog.columns(t)]
    if len(owners) > 1:
        aliases = [a for a, t in sources.items() if t in owners]
        raise SqlError("ambiguous_column", f"Column '{column}' exists in several tables "
                       f"({', '.join(owners)}); qualify it with a table alias.",
                       identifier=column, suggestions=[f"{a}.{column}" for a in aliases])
    if owners:
        return  # visible in the query but not in this scope: the backend will explain
    raise SqlError("unknown_column", f"Column '{column}' does not exist in "
                   f"{', '.join(tables) or 'the queried tables'}.", identifier=column,
                   suggestions=catalog.closest_columns(column, tables or None))


def _holders(column: str, sources: dict[str, str | None], catalog: Catalog) -> list[str]:
    return [a for a, t in sources.items() if t and column in catalog.columns(t)]


def _raise_bad_qualifier(column: str, qualifier: str, sources: dict[str, str | None],
                         catalog: Catalog) -> None:
    """``qualifier.column`` names no table or alias of the query."""
    known = ", ".join(a if a == t or t is None else f"{a} ({t})" for a, t in sources.items())
    raise SqlError("unknown_column", f"'{qualifier}' in '{qualifier}.{column}' is not a table "
                   f"or alias of this query (it has: {known or 'none'}).",
                   identifier=f"{qualifier}.{column}",
                   suggestions=[f"{a}.{column}" for a in _holders(column, sources, catalog)],
                   hint="A table given an alias must be referred to by that alias.")


def _raise_wrong_source(column: str, qualifier: str, tree: exp.Query,
                        sources: dict[str, str | None], catalog: Catalog) -> None:
    """``qualifier.column`` is referenced, but the source ``qualifier`` has no such column."""
    table = sources[qualifier]
    if table is None:
        where, choices = f"'{qualifier}'", _derived_columns(tree, qualifier)
        renamed = _renamed(tree, qualifier, column)
        suggestions = [f"{qualifier}.{c}" for c in renamed or closest(column, choices)]
        if renamed:
            where += f" (it selects {column} as {', '.join(renamed)})"
    else:
        where = f"table {table}" + (f" (alias {qualifier})" if qualifier != table else "")
        suggestions = [s.replace(f"{table}.", f"{qualifier}.", 1)
                       for s in catalog.closest_columns(column, [table])]
    holders = [a for a in _holders(column, sources, catalog) if a != qualifier]
    if holders:
        names = ", ".join(h if sources[h] == h else f"{sources[h]} (alias {h})" for h in holders)
        raise SqlError("unknown_column", f"Column '{column}' is not in {where}; it is in "
                       f"{names}.", identifier=f"{qualifier}.{column}",
                       suggestions=[f"{h}.{column}" for h in holders])
    raise SqlError("unknown_column", f"Column '{column}' does not exist in {where}.",
                   identifier=f"{qualifier}.{column}", suggestions=suggestions)


def _first_line(err: Exception) -> str:
    """The first line of a sqlglot error, without its internal token and class reprs."""
    text = str(err).strip().splitlines()
    line = text[0] if text else type(err).__name__
    line = _TOKEN_REPR.sub(lambda m: "end of input" if m.group(1) == "SENTINEL"
                           else f"'{m.group(2)}'", line)
    return _CLASS_REPR.sub(r"\1", line)[:300]
