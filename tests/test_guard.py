"""The SQL safety path: hostile SQL is refused, and nothing but one read query reaches DuckDB.

Every entry of ``sql_corpus/hostile.sql`` (plus generated inputs too large or too binary to
store) must be refused by the guard with a structured ``SqlError``, and, run end to end
through ``DuckDBWarehouse.run_query`` on a real file with a sentinel table, must leave the
database unchanged, create no file and open no file outside the warehouse (watched with
inotify). A spy on ``duckdb.connect`` records every statement DuckDB is ever given.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from pipeline.warehouse_writer import write_table
from tools.warehouse.catalog import Catalog
from tools.warehouse.duckdb_backend import DuckDBWarehouse
from tools.warehouse.duckdb_dialect import to_duckdb_sql, verify_rendered
from tools.warehouse.duckdb_process import DuckDBProcess
from tools.warehouse.errors import SqlError
from tools.warehouse.guard import BIGQUERY_FUNCTIONS, validate_query
from tools.warehouse.schema import load_schema

CORPUS_FILE = Path(__file__).parent / "sql_corpus" / "hostile.sql"
REAL_CONNECT = duckdb.connect
CODES = {"parse_error", "multiple_statements", "not_a_query", "forbidden_statement",
         "forbidden_function", "unknown_table", "unknown_column", "ambiguous_column",
         "unsupported", "too_long", "too_complex"}
CANARY_FILES = ("secret.csv", "secret.parquet", "secret.json", "secret.txt", "canary.duckdb",
                "secret.so", "x.db")
VALID_QUERIES = [
    "SELECT gender, COUNT(*) FROM customers GROUP BY gender",
    "SELECT c.address_city, AVG(r.rating) AS avg_rating FROM cymbal.customers c "
    "JOIN cymbal.customer_reviews r USING (customer_id) GROUP BY 1 ORDER BY 2 DESC",
    "WITH t AS (SELECT customer_id, COUNT(*) AS n FROM customer_reviews GROUP BY 1) "
    "SELECT * FROM t WHERE n > 0 ORDER BY n DESC LIMIT 5",
    "SELECT x, o FROM UNNEST(['a', 'b']) AS x WITH OFFSET AS o",
    "SELECT FORMAT_DATE('%Y-%m', DATE(review_datetime)) AS m, COUNTIF(rating <= 2) "
    "FROM `my-project.cymbal.customer_reviews` GROUP BY m",
    "SELECT note FROM sentinel",
]


def load_corpus() -> list[str]:
    """The hostile statements, split on lines holding only ``-- ----``."""
    text = CORPUS_FILE.read_text(encoding="utf-8")
    return [entry for entry in re.split(r"^-- ----[ \t]*$", text, flags=re.MULTILINE)
            if entry.strip()]


def generated_hostile() -> list[tuple[str, str, str]]:
    """(id, SQL, expected code) for inputs built here rather than stored."""
    depth = 500
    return [
        ("nul-stacked", "SELECT 1\x00; DROP TABLE sentinel", "parse_error"),
        ("nul-literal", "SELECT 'a\x00b'", "parse_error"),
        ("nul-only", "\x00", "parse_error"),
        ("nul-in-comment", "SELECT 1 /* \x00 */", "parse_error"),
        ("nul-in-or", "SELECT * FROM customers WHERE first_name = 'x\x00' OR TRUE", "parse_error"),
        ("empty", "", "parse_error"),
        ("blank", " \n\t ", "parse_error"),
        ("comment-only", "-- nothing here\n/* at all */", "parse_error"),
        ("padded", "SELECT 1" + " " * 20_000, "too_long"),
        ("long-sum", "SELECT " + "1 + " * 10_000 + "1", "too_long"),
        ("long-literal", "SELECT '" + "a" * 30_000 + "'", "too_long"),
        ("megabyte-batch", "SELECT 1; DELETE FROM sentinel;\n" * 40_000, "too_long"),
        ("stacked-500", "SELECT 1" + "; DELETE FROM sentinel" * 500, "multiple_statements"),
        ("parens", "SELECT " + "(" * depth + "1" + ")" * depth, "too_complex"),
        ("functions", "SELECT " + "ABS(" * 300 + "1" + ")" * 300, "too_complex"),
        ("subqueries", "SELECT * FROM " + "(SELECT * FROM " * 200 + "customers" + ")" * 200,
         "too_complex"),
        ("or-chain", "SELECT 1 FROM customers WHERE " + " OR ".join(["age = 1"] * 1500),
         "too_complex"),
        ("not-chain", "SELECT " + "NOT " * 3000 + "TRUE", "too_complex"),
        ("case-nest", "SELECT " + "CASE WHEN TRUE THEN " * 150 + "1" + " END" * 150,
         "too_complex"),
        ("array-nest", "SELECT " + "[" * 400 + "1" + "]" * 400, "too_complex"),
    ]


def hostile_inputs() -> list[str]:
    return load_corpus() + [sql for _, sql, _ in generated_hostile()]


# -- a real warehouse with a sentinel table, and a spy on every statement DuckDB receives ----
def record_statements(monkeypatch: pytest.MonkeyPatch, log: list[str]) -> None:
    """Record every statement sent to a DuckDB worker process (the only way SQL reaches it)."""
    real_execute = DuckDBProcess.execute

    def spying_execute(self: DuckDBProcess, sql: str, *args: Any) -> dict[str, Any]:
        log.append(sql)
        return real_execute(self, sql, *args)

    monkeypatch.setattr(DuckDBProcess, "execute", spying_execute)


def build_warehouse(path: Path) -> None:
    """Documented tables (from the schema specs) with a few rows, plus a sentinel table."""
    schema = load_schema()
    con = REAL_CONNECT(str(path))
    try:
        write_table(con, pd.DataFrame([{
            "customer_id": 1001, "first_name": "Minji", "last_name": "Kim",
            "email": "minji@example.com", "gender": "Female", "address_city": "Seoul", "age": 28,
            "loyalty_member": True, "marketing_consent": True}]), schema["customers"])
        write_table(con, pd.DataFrame([{
            "customer_review_id": 1, "customer_id": 1001, "location_id": 5001,
            "review_datetime": "2024-01-07 10:00:00", "review_text": "Great bag",
            "social_media_source": "X", "social_media_handle": "@m", "product_id": 101,
            "rating": 5}]), schema["customer_reviews"])
        for name in ("products", "orders"):
            spec = schema[name]
            write_table(con, pd.DataFrame(columns=spec.column_names), spec)
        con.execute("CREATE TABLE sentinel (id BIGINT, note VARCHAR)")
        con.execute("INSERT INTO sentinel VALUES (1, 'untouched')")
        con.execute("CHECKPOINT")
    finally:
        con.close()


@pytest.fixture()
def statement_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement sent to the backend's DuckDB worker processes."""
    log: list[str] = []
    record_statements(monkeypatch, log)
    return log


@pytest.fixture()
def wh_path(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse" / "cymbal.duckdb"
    path.parent.mkdir()
    build_warehouse(path)
    return path


@pytest.fixture()
def canary_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, holding files a hostile query might try to read or write."""
    canary = tmp_path / "cwd"
    canary.mkdir()
    for name in CANARY_FILES:
        (canary / name).write_text("id,secret\n1,canary\n", encoding="utf-8")
    monkeypatch.chdir(canary)
    return canary


class FileWatch:
    """Linux inotify on one directory: any open, read, write, create or delete is recorded."""

    _MASK = 0x1 | 0x2 | 0x20 | 0x100 | 0x200 | 0x40 | 0x80  # ACCESS MODIFY OPEN CREATE DELETE MOVED

    def __init__(self, directory: Path) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._fd = libc.inotify_init1(os.O_NONBLOCK)
        if self._fd < 0 or libc.inotify_add_watch(self._fd, str(directory).encode(),
                                                  self._MASK) < 0:
            pytest.skip("inotify is not available here")

    def events(self) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        try:
            data = os.read(self._fd, 1 << 16)
        except BlockingIOError:
            return out
        offset = 0
        while offset < len(data):
            _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
            name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode()
            out.append((mask, name))
            offset += 16 + length
        return out

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture()
def file_watch(canary_dir: Path) -> Iterator[FileWatch]:
    watch = FileWatch(canary_dir)
    yield watch
    watch.close()


def snapshot(path: Path) -> dict[str, Any]:
    """Content hash, tables and sentinel rows of a closed warehouse file."""
    con = REAL_CONNECT(str(path), read_only=True)
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables "
                             "ORDER BY 1").fetchall()
        sentinel = con.execute("SELECT * FROM sentinel ORDER BY id").fetchall()
    finally:
        con.close()
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "tables": tables,
            "sentinel": sentinel, "files": sorted(p.name for p in path.parent.iterdir())}


def assert_single_read(sql: str) -> None:
    """``sql`` parses as DuckDB SQL into exactly one query with no statement inside it."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    assert len(statements) == 1, sql
    assert isinstance(statements[0], exp.Query), sql
    forbidden = (exp.DML, exp.DDL, exp.Command, exp.Into, exp.Copy, exp.Set, exp.Pragma)
    assert not any(isinstance(node, forbidden) for node in statements[0].walk()), sql


# -- the corpus ----------------------------------------------------------------------------
def test_corpus_is_large_and_varied() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 200
    assert sum(";" in entry for entry in corpus) >= 30
    assert sum("\n" in entry.strip() for entry in corpus) >= 15


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The live catalog of the test warehouse (documented tables plus ``sentinel``)."""
    path = tmp_path_factory.mktemp("corpus") / "cymbal.duckdb"
    build_warehouse(path)
    wh = DuckDBWarehouse(path)
    try:
        return wh.catalog()
    finally:
        wh.close()


@pytest.mark.parametrize("sql", load_corpus(), ids=lambda s: s.strip()[:60])
def test_guard_refuses_corpus_entry(catalog: Catalog, sql: str) -> None:
    with pytest.raises(SqlError) as err:
        validate_query(sql, catalog, dataset="cymbal", project="cymbal-prod")
    assert err.value.code in CODES
    assert err.value.message


@pytest.mark.parametrize(("name", "sql", "code"), generated_hostile(),
                         ids=[name for name, _, _ in generated_hostile()])
def test_guard_refuses_generated_input(catalog: Catalog, name: str, sql: str, code: str) -> None:
    with pytest.raises(SqlError) as err:
        validate_query(sql, catalog, dataset="cymbal")
    assert err.value.code == code, (name, err.value.to_dict())


def test_hostile_sql_end_to_end_changes_nothing_and_reads_no_file(
        wh_path: Path, canary_dir: Path, file_watch: FileWatch,
        statement_log: list[str]) -> None:
    before = snapshot(wh_path)
    cwd_before = sorted(p.name for p in canary_dir.iterdir())
    file_watch.events()  # drop anything from setting the directory up
    wh = DuckDBWarehouse(wh_path)
    try:
        for sql in hostile_inputs():
            with pytest.raises(SqlError):
                wh.run_query(sql)
        for sql in VALID_QUERIES:  # the warehouse still works after all that
            wh.run_query(sql)
        assert wh.run_query("SELECT id, note FROM sentinel").rows == [[1, "untouched"]]
    finally:
        wh.close()
    assert file_watch.events() == []
    assert sorted(p.name for p in canary_dir.iterdir()) == cwd_before
    assert snapshot(wh_path) == before
    for sql in statement_log:
        assert_single_read(sql)
    # Only the catalog query and the valid queries ever reached DuckDB.
    assert len(statement_log) == 1 + len(VALID_QUERIES) + 1


def test_spy_sees_only_single_read_queries(wh_path: Path, statement_log: list[str]) -> None:
    wh = DuckDBWarehouse(wh_path)
    try:
        for sql in VALID_QUERIES:
            result = wh.run_query(sql)
            assert result.executed_sql == statement_log[-1]
    finally:
        wh.close()
    assert len(statement_log) == 1 + len(VALID_QUERIES)
    for sql in statement_log:
        assert_single_read(sql)


def test_connection_is_a_second_line_of_defence(wh_path: Path, canary_dir: Path) -> None:
    """Even SQL that bypassed the guard could not write, read files or unlock settings."""
    wh = DuckDBWarehouse(wh_path)
    try:
        attacks = ["DELETE FROM sentinel", "CREATE TABLE evil (x INTEGER)",
                   "SELECT * FROM read_csv('secret.csv')", "COPY sentinel TO 'out.csv'",
                   "ATTACH 'canary.duckdb' AS c", "SET enable_external_access = true",
                   "SET ieee_floating_point_ops = true", "INSTALL httpfs"]
        for attack in attacks:  # sent to the worker as is, past the guard
            with pytest.raises(SqlError) as err:
                wh.processes.execute(attack, max_rows=10, timeout_s=5.0)
            assert err.value.code == "execution_error", attack
    finally:
        wh.close()
    assert not (canary_dir / "out.csv").exists()


# -- the rendered-SQL check -----------------------------------------------------------------
def test_every_duckdb_table_function_is_refused_after_rendering() -> None:
    con = duckdb.connect()
    try:
        names = [row[0] for row in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type IN ('table', 'table_macro')").fetchall()]
    finally:
        con.close()
    assert len(names) > 50
    for name in sorted(set(names) - {"unnest"}):  # UNNEST is how BigQuery arrays are read
        with pytest.raises(SqlError):
            verify_rendered(f"SELECT * FROM {name}('x')", {"customers"})


@pytest.mark.parametrize("sql", [
    "SELECT getenv('HOME')", "SELECT current_setting('threads')", "SELECT nextval('s')",
    "SELECT setseed(0.1)", "SELECT 1; SELECT 2", "COPY sentinel TO 'x.csv'",
    "SELECT * FROM 'secret.csv'", "SELECT * FROM \"secret.csv\"", "SELECT * FROM evil",
    "ATTACH 'x.duckdb'", "SELECT * FROM read_text('x')",
    "SELECT (SELECT content FROM read_text('x'))", "DELETE FROM sentinel",
    "SELECT 1 INTO t", "PRAGMA version", "SELECT sleep_ms(10)",
])
def test_verify_rendered_refuses(sql: str) -> None:
    with pytest.raises(SqlError):
        verify_rendered(sql, {"customers", "sentinel"})


def test_verify_rendered_accepts_catalog_tables_and_ctes() -> None:
    verify_rendered("WITH t AS (SELECT * FROM customers) SELECT * FROM t, sentinel",
                    {"customers", "sentinel"})


# -- structured errors ----------------------------------------------------------------------
def refuse(sql: str, catalog: Catalog, **kwargs: Any) -> SqlError:
    with pytest.raises(SqlError) as err:
        validate_query(sql, catalog, dataset="cymbal", **kwargs)
    return err.value


def test_unknown_table_names_the_closest(catalog: Catalog) -> None:
    err = refuse("SELECT * FROM custmers", catalog)
    assert err.code == "unknown_table"
    assert err.identifier == "custmers"
    assert err.suggestions[0] == "customers"
    assert "customer_reviews" in (err.hint or "")


def test_unknown_column_names_the_closest(catalog: Catalog) -> None:
    err = refuse("SELECT agee FROM customers", catalog)
    assert (err.code, err.identifier) == ("unknown_column", "agee")
    assert "customers.age" in err.suggestions


def test_column_through_the_wrong_alias_names_the_table_that_has_it(catalog: Catalog) -> None:
    err = refuse("SELECT c.rating FROM customers c JOIN customer_reviews r USING(customer_id)",
                 catalog)
    assert err.code == "unknown_column"
    assert err.identifier == "c.rating"
    assert "customer_reviews" in err.message
    assert err.suggestions == ["r.rating"]


def test_unknown_qualifier_suggests_the_alias(catalog: Catalog) -> None:
    err = refuse("SELECT customers.age FROM customers AS c", catalog)
    assert err.code == "unknown_column"
    assert err.suggestions == ["c.age"]
    assert "alias" in (err.hint or "")


def test_unknown_column_of_a_cte(catalog: Catalog) -> None:
    err = refuse("WITH t AS (SELECT age, gender FROM customers) SELECT t.gendr FROM t", catalog)
    assert err.code == "unknown_column"
    assert err.suggestions == ["t.gender"]


def test_ambiguous_column(catalog: Catalog) -> None:
    err = refuse("SELECT customer_id FROM customers JOIN customer_reviews "
                 "ON customers.customer_id = customer_reviews.customer_id", catalog)
    assert err.code == "ambiguous_column"
    assert sorted(err.suggestions) == ["customer_reviews.customer_id", "customers.customer_id"]


def test_multiple_statements(catalog: Catalog) -> None:
    err = refuse("SELECT 1; SELECT 2", catalog)
    assert err.code == "multiple_statements"
    assert "2 statements" in err.message


def test_too_long(catalog: Catalog) -> None:
    err = refuse("SELECT 1" + " " * 200, catalog, max_chars=100)
    assert err.code == "too_long"
    assert "100" in err.message


def test_parse_error_is_readable(catalog: Catalog) -> None:
    err = refuse("SELECT * FROM", catalog)
    assert err.code == "parse_error"
    assert "Token" not in err.message and "end of input" in err.message


def test_forbidden_function_suggestions_are_allowed_functions(catalog: Catalog) -> None:
    for sql in ["SELECT GENERATE_TEXTS('x')", "SELECT getenv('x')", "SELECT read_csv('x')",
                "SELECT datediff(1, 2)", "SELECT AI_GENERATE('x')", "SELECT strftime(1, 2)"]:
        err = refuse(sql, catalog)
        assert err.code == "forbidden_function", sql
        assert set(err.suggestions) <= BIGQUERY_FUNCTIONS, (sql, err.suggestions)
        assert not {"GENERATE_TEXT", "READ_CSV", "AI_GENERATE"} & set(err.suggestions)
    assert "DATE_DIFF" in refuse("SELECT datediff(1, 2)", catalog).suggestions


def test_other_project_refused_when_project_is_known(catalog: Catalog) -> None:
    err = refuse("SELECT * FROM `other-project.cymbal.customers`", catalog, project="cymbal-prod")
    assert err.code == "unknown_table"


def test_unquoted_non_ascii_name_asks_for_backticks(catalog: Catalog) -> None:
    err = refuse("SELECT COUNT(*) AS 고객수 FROM customers", catalog)
    assert err.code == "parse_error"
    assert err.hint == "Write `고객수`."
    tree = validate_query("SELECT COUNT(*) AS `고객수` FROM customers", catalog, dataset="cymbal")
    assert tree.selects[0].alias == "고객수"


def test_error_to_dict(catalog: Catalog) -> None:
    out = refuse("SELECT agee FROM customers", catalog).to_dict()
    assert out["error"] == "unknown_column"
    assert {"message", "identifier", "suggestions"} <= set(out)


# -- what the guard returns -----------------------------------------------------------------
def test_returned_tree_is_bare_and_comment_free(catalog: Catalog) -> None:
    tree = validate_query("SELECT age -- */ DROP TABLE sentinel\n FROM "
                          "`my-project.cymbal.customers` /* note */", catalog, dataset="cymbal")
    assert tree.sql("bigquery").replace("`", "") == "SELECT age FROM customers"
    assert "/*" not in to_duckdb_sql(tree, catalog)


@pytest.mark.parametrize("sql", VALID_QUERIES)
def test_valid_queries_pass(catalog: Catalog, sql: str) -> None:
    tree = validate_query(sql, catalog, dataset="cymbal")
    assert isinstance(tree, exp.Query)
    assert_single_read(to_duckdb_sql(tree, catalog))


def test_wrong_column_of_a_cte_suggests_the_name_the_cte_gives_it(catalog: Catalog) -> None:
    """The tables read inside a CTE are not in scope where the CTE is read."""
    with pytest.raises(SqlError) as err:
        validate_query("WITH t AS (SELECT customer_id AS cid FROM customers) "
                       "SELECT t.customer_id FROM t", catalog, dataset="cymbal")
    assert err.value.code == "unknown_column"
    assert err.value.suggestions == ["t.cid"]
    assert "customers" not in err.value.message


@pytest.mark.parametrize("sql", [
    "WITH pg_settings AS (SELECT 1 AS x) SELECT x FROM pg_settings",
    "SELECT * FROM customers WHERE EXISTS (WITH t AS (SELECT 1 AS x) SELECT x FROM t) "
    "AND customer_id IN (SELECT customer_id FROM t)",
    "WITH c AS (SELECT 1 AS a) SELECT * FROM c AS x, sentinel_copy AS x",
])
def test_a_cte_name_counts_only_where_the_cte_is_in_scope(catalog: Catalog, sql: str) -> None:
    with pytest.raises(SqlError) as err:
        validate_query(sql, catalog, dataset="cymbal")
    assert err.value.code == "unknown_table"
    assert verify_rendered_refuses(sql)


def verify_rendered_refuses(sql: str) -> bool:
    """The rendered-SQL check refuses the same query on its own (no guard in front)."""
    rendered = sqlglot.transpile(sql, read="bigquery", write="duckdb")[0]
    try:
        verify_rendered(rendered, {"customers", "sentinel"})
    except SqlError:
        return True
    return False
