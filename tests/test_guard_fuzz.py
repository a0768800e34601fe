"""Property tests of the SQL guard and the DuckDB translation.

(a) Random compositions of SQL fragments (keywords, DML, comments, semicolons, quotes,
identifiers, file-reading functions, odd characters) either fail with a ``SqlError`` or
become one read query whose BigQuery and DuckDB renderings each parse as exactly one
query; only such queries ever reach DuckDB. (b) Generated valid SELECTs over the real
schema are accepted and run, with BigQuery's column names.

The default profile keeps the run short; ``CYMBAL_FUZZ_PROFILE=thorough`` runs 25x more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from tests.test_guard import CODES, assert_single_read, build_warehouse, record_statements
from tools.warehouse.duckdb_backend import DuckDBWarehouse
from tools.warehouse.duckdb_dialect import to_duckdb_sql
from tools.warehouse.errors import SqlError
from tools.warehouse.guard import validate_query
from tools.warehouse.schema import ColumnSpec, load_schema

settings.register_profile("guard-fast", max_examples=120, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("guard-thorough", max_examples=3000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings.get_profile(f"guard-{os.environ.get('CYMBAL_FUZZ_PROFILE', 'fast')}")

FRAGMENTS = [
    "SELECT", "SELECT *", "FROM", "WHERE", "GROUP BY 1", "ORDER BY 1", "LIMIT 1", "UNION ALL",
    "WITH t AS (SELECT 1 AS x)", "AS", "AND", "OR", "NOT", "IN", "JOIN", "USING (customer_id)",
    "DELETE FROM sentinel", "INSERT INTO sentinel VALUES (9, 'x')",
    "UPDATE sentinel SET note = 'x'", "DROP TABLE sentinel", "CREATE TABLE evil AS",
    "MERGE sentinel USING customers ON TRUE", "TRUNCATE sentinel", "RETURNING *",
    "EXPORT DATA OPTIONS(uri='out.csv') AS", "CALL p()", "EXECUTE IMMEDIATE",
    "DECLARE x INT64", "SET x = 1", "BEGIN", "END", "ATTACH 'canary.duckdb'",
    "COPY sentinel TO 'out.csv'", "PRAGMA version", "INSTALL httpfs", "LOAD httpfs",
    "INTO evil", "FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()",
    ";", "--", "\n", "/*", "*/", "#", "'", '"', "`", "(", ")", ",", "*", "=", "[", "]",
    "1", "0", "-1", "'x'", "NULL", "TRUE", "r'\\d+'", '"""', "'''",
    "customers", "sentinel", "orders", "cymbal.customers", "`cymbal.customers`",
    "`my-project.cymbal.orders`", "other.customers", "age", "gender", "customer_id", "c", "c.age",
    "r.rating", "'secret.csv'", "`/etc/passwd`", "INFORMATION_SCHEMA.TABLES",
    "COUNT(*)", "SUM(age)", "MAX(rating)", "read_csv('secret.csv')", "read_text('secret.txt')",
    "getenv('HOME')", "query('SELECT 1')", "glob('*')", "ML.PREDICT(MODEL m, TABLE customers)",
    "EXTERNAL_QUERY('c', 'q')", "AI.GENERATE('x')", "SAFE.SUBSTR('abc', 1)", "SESSION_USER()",
    "UNNEST([1, 2]) AS u WITH OFFSET AS o", "ARRAY_AGG(age LIMIT 1)", "LAX_INT64(x)",
    "DATE_TRUNC(DATE '2024-01-01', MONTH)", "FORMAT_DATE('%Y-%Q', CURRENT_DATE())",
    "EXTRACT(DAYOFWEEK FROM CURRENT_DATE())", "SUBSTR('abc', 0, 1)", "[1, 2][OFFSET(-1)]",
    "CAST('1.5' AS INT64)", "1 / 0", "@p", "@@project_id", "?",
    "\x00", "\u202e", "\u200b", "\uff1b", "\uff53\uff45\uff4c\uff45\uff43\uff54", "\u00e9", "고객",
]
fragment = st.one_of(st.sampled_from(FRAGMENTS),
                     st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=3))
BASES = [
    "SELECT gender, COUNT(*) AS n FROM customers WHERE age > 30 GROUP BY gender ORDER BY n DESC",
    "SELECT c.address_city, AVG(r.rating) FROM customers c JOIN customer_reviews r "
    "USING (customer_id) GROUP BY 1",
    "WITH t AS (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY 1) SELECT * FROM t",
    "SELECT x, o FROM UNNEST(['a', 'b']) AS x WITH OFFSET AS o",
    "SELECT note FROM sentinel WHERE id = 1",
]


def _insert(base: str, inserts: list[tuple[int, str]]) -> str:
    """``base`` with each fragment spliced in at a word boundary."""
    words = base.split(" ")
    for position, text in sorted(inserts, reverse=True):
        words.insert(position % (len(words) + 1), text)
    return " ".join(words)


compositions = st.one_of(
    st.builds(lambda prefix, parts, glue: prefix + glue.join(parts),
              st.sampled_from(["", "SELECT ", "SELECT * FROM customers WHERE ",
                               "WITH t AS (SELECT 1) "]),
              st.lists(fragment, min_size=1, max_size=24),
              st.sampled_from([" ", "", "\n"])),
    st.builds(_insert, st.sampled_from(BASES),
              st.lists(st.tuples(st.integers(min_value=0, max_value=40), fragment),
                       min_size=1, max_size=3)),
)


class SpyWarehouse(DuckDBWarehouse):
    """A warehouse whose ``log`` holds every statement sent to its DuckDB workers."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, timeout_s=5.0)
        self.log: list[str] = []


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpyWarehouse]:
    path = tmp_path_factory.mktemp("fuzz") / "cymbal.duckdb"
    build_warehouse(path)
    wh = SpyWarehouse(path)
    with pytest.MonkeyPatch.context() as patch:
        record_statements(patch, wh.log)
        yield wh
    wh.close()


def assert_one_bigquery_query(sql: str) -> None:
    statements = [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
    assert len(statements) == 1 and isinstance(statements[0], exp.Query), sql


@FUZZ
@given(sql=compositions)
def test_compositions_refused_or_single_read(warehouse: SpyWarehouse, sql: str) -> None:
    catalog = warehouse.catalog()
    try:
        tree = validate_query(sql, catalog, dataset="cymbal")
    except SqlError as err:
        assert err.code in CODES, err.to_dict()
        event(f"refused by the guard: {err.code}")
        return
    event("accepted by the guard")
    assert_one_bigquery_query(tree.sql("bigquery"))
    try:
        assert_single_read(to_duckdb_sql(tree, catalog))
    except SqlError as err:
        assert err.code in CODES | {"forbidden_function", "execution_error"}, err.to_dict()
    seen = len(warehouse.log)
    try:
        warehouse.run_query(sql)
    except SqlError as err:
        assert err.code in CODES | {"execution_error", "timeout", "resource_limit"}, err.to_dict()
    for statement in warehouse.log[seen:]:
        assert_single_read(statement)


def bigquery_string(text: str) -> str:
    """``text`` as a BigQuery string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


payloads = st.lists(fragment, min_size=1, max_size=8).map(" ".join)


@FUZZ
@given(payload=payloads, where=st.sampled_from(["literal", "comment", "line_comment"]))
def test_payloads_in_strings_and_comments_stay_inert(warehouse: SpyWarehouse, payload: str,
                                                     where: str) -> None:
    """Hostile text inside a literal or a comment is data or nothing, never a statement."""
    if where == "literal":
        sql = f"SELECT {bigquery_string(payload)} AS p FROM sentinel"
    elif where == "comment":
        sql = f"SELECT note AS p /* {payload.replace('*/', '')} */ FROM sentinel"
    else:
        sql = f"SELECT note AS p -- {payload.replace(chr(10), ' ')}\nFROM sentinel"
    warehouse.catalog()
    seen = len(warehouse.log)
    try:
        result = warehouse.run_query(sql)
    except SqlError as err:
        assert err.code == "parse_error", err.to_dict()  # control characters are refused
        event("refused: control character or unterminated comment")
        return
    assert result.rows == [[payload if where == "literal" else "untouched"]]
    assert len(warehouse.log) == seen + 1
    assert_single_read(warehouse.log[-1])


# -- (b) valid SELECTs over the real schema --------------------------------------------------
SCHEMA = load_schema()
TABLES = ["customers", "products", "customer_reviews", "orders"]


def scalar_expressions(ref: str, column: ColumnSpec) -> list[str]:
    """BigQuery expressions a marketer might write over one column of the given type."""
    by_type = {
        "STRING": [ref, f"UPPER({ref})", f"LENGTH({ref})", f"SUBSTR({ref}, 1, 3)",
                   f"CONCAT({ref}, '-')", f"IFNULL({ref}, 'none')"],
        "INT64": [ref, f"{ref} + 1", f"CAST({ref} AS STRING)", f"SAFE_DIVIDE({ref}, 2)",
                  f"MOD({ref}, 7)", f"IF({ref} > 10, 'high', 'low')"],
        "FLOAT64": [ref, f"ROUND({ref}, 1)", f"CAST({ref} AS INT64)", f"{ref} * 0.9"],
        "BOOL": [ref, f"IF({ref}, 'Y', 'N')", f"NOT {ref}"],
        "DATETIME": [ref, f"DATE({ref})", f"FORMAT_DATE('%Y-%m', DATE({ref}))",
                     f"EXTRACT(DAYOFWEEK FROM {ref})", f"DATE_TRUNC({ref}, MONTH)",
                     f"DATETIME_DIFF({ref}, DATETIME '2024-01-01 00:00:00', DAY)"],
    }
    return by_type.get(column.type, [ref])


def predicates(ref: str, column: ColumnSpec) -> list[str]:
    by_type = {
        "STRING": [f"{ref} = 'Seoul'", f"{ref} LIKE 'S%'", f"{ref} IS NOT NULL",
                   f"{ref} IN ('Male', 'Female')"],
        "INT64": [f"{ref} > 30", f"{ref} BETWEEN 1 AND 100", f"{ref} <> 0"],
        "FLOAT64": [f"{ref} >= 10.5", f"{ref} < 1000"],
        "BOOL": [ref, f"NOT {ref}"],
        "DATETIME": [f"{ref} >= DATETIME '2024-01-01 00:00:00'",
                     f"DATE({ref}) < DATE '2030-01-01'"],
    }
    return by_type.get(column.type, [f"{ref} IS NOT NULL"])


@st.composite
def valid_selects(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A valid BigQuery SELECT over one documented table, and its expected column names."""
    table = draw(st.sampled_from(TABLES))
    columns = list(SCHEMA[table].columns)
    qualifier = draw(st.sampled_from(["", "t.", f"{table}."]))
    source = {"": f"cymbal.{table}", "t.": f"`cymbal.{table}` AS t", f"{table}.": table}[qualifier]
    names: list[str] = []
    projections: list[str] = []
    anonymous = 0
    grouped = draw(st.booleans())
    chosen = draw(st.permutations(columns))[:draw(st.integers(min_value=1, max_value=3))]
    for column in chosen:
        expression = draw(st.sampled_from(scalar_expressions(qualifier + column.name, column)))
        alias = draw(st.sampled_from(["", f"{column.name}_x"]))
        projections.append(f"{expression} AS {alias}" if alias else expression)
        if alias:
            names.append(alias)
        elif expression == qualifier + column.name:
            names.append(column.name)
        else:
            names.append(f"f{anonymous}_")
            anonymous += 1
    if grouped:
        measure = draw(st.sampled_from(["COUNT(*)", "COUNT(DISTINCT {c})", "MAX({c})",
                                        "MIN({c})", "APPROX_COUNT_DISTINCT({c})"]))
        projections.append(measure.format(c=qualifier + columns[0].name))
        names.append(f"f{anonymous}_")
    sql = f"SELECT {', '.join(projections)} FROM {source}"
    conditions = [draw(st.sampled_from(predicates(qualifier + c.name, c)))
                  for c in draw(st.lists(st.sampled_from(columns), max_size=3))]
    if conditions:
        glue = draw(st.sampled_from([" AND ", " OR "]))
        sql += " WHERE " + glue.join(f"({c})" for c in conditions)
    if grouped:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(chosen)))
    if draw(st.booleans()):
        sql += f" ORDER BY 1 {draw(st.sampled_from(['', 'DESC']))}"
    if draw(st.booleans()):
        sql += f" LIMIT {draw(st.integers(min_value=1, max_value=50))}"
    return sql, names


@FUZZ
@given(case=valid_selects())
def test_valid_selects_are_accepted_and_run(warehouse: SpyWarehouse,
                                           case: tuple[str, list[str]]) -> None:
    sql, names = case
    result = warehouse.run_query(sql)
    assert result.columns == names, sql
    assert_one_bigquery_query(result.sql)
    assert_single_read(result.executed_sql)
