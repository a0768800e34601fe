"""The hostile-SQL corpus, end to end: the real guard, the real DuckDB file, real workers.

Nothing that reads files, catalogs, settings or internal tables, or that changes data, runs;
runaway queries are stopped and the warehouse answers the next query; the file, its tables
and the working directory are unchanged. Runaways are also run with the generation bounds
lifted, so the worker's timeout and hard memory cap are what stops them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.hostile_corpus import load_corpus, run_corpus
from tests.test_guard import (  # noqa: F401 - fixtures
    FileWatch,
    build_warehouse,
    canary_dir,
    file_watch,
    snapshot,
)
from tools.warehouse.duckdb_backend import DuckDBWarehouse
from tools.warehouse.duckdb_dialect import GenerationLimits
from tools.warehouse.duckdb_process import PROCESS_HEADROOM_BYTES, size_bytes
from tools.warehouse.errors import SqlError

MEMORY_LIMIT = "500MB"
UNBOUNDED = GenerationLimits(array_length=10**12, string_chars=10**12)
# The issue's three runaway queries (1 s timeout, 500 MB cap): 93 s/14 GB, OOM-killed at
# 23 GB, and past a 10 s timeout before the fix.
ISSUE_RUNAWAYS = [
    "SELECT ARRAY_LENGTH(GENERATE_ARRAY(1, 200000000)) AS l",
    "SELECT COUNT(*) AS c FROM UNNEST(GENERATE_ARRAY(1, 2000000000)) AS x",
    "SELECT LENGTH(REPEAT('a', 2000000000)) AS l",
]


@pytest.fixture()
def corpus_path(tmp_path: Path) -> Path:
    """The test warehouse plus an internal table, as ``cymbal setup`` writes one."""
    path = tmp_path / "warehouse" / "cymbal.duckdb"
    path.parent.mkdir()
    build_warehouse(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE _build_info AS SELECT '/secret/build/path' AS path")
    con.close()
    return path


def test_corpus_is_large_and_covers_every_class() -> None:
    entries = load_corpus()
    kinds = {e.kind for e in entries}
    assert len(entries) >= 300
    assert kinds == {"catalog", "file", "write", "multi", "dialect", "runaway"}
    assert sum("WITH" in e.sql and e.kind == "catalog" for e in entries) >= 150


def test_hostile_corpus_runs_nothing_and_changes_nothing(
        corpus_path: Path, canary_dir: Path, file_watch: FileWatch) -> None:
    before = snapshot(corpus_path)
    cwd_before = sorted(p.name for p in canary_dir.iterdir())
    file_watch.events()
    wh = DuckDBWarehouse(corpus_path, timeout_s=1.0, memory_limit=MEMORY_LIMIT)
    try:
        report = run_corpus(wh, load_corpus())
        assert wh.run_query("SELECT id, note FROM sentinel").rows == [[1, "untouched"]]
    finally:
        wh.close()
    executed = [o.entry for o in report.outcomes if o.result == "executed"]
    assert executed == []
    assert report.figures()["leaked"] == 0
    assert file_watch.events() == []
    assert sorted(p.name for p in canary_dir.iterdir()) == cwd_before
    assert snapshot(corpus_path) == before


@pytest.mark.parametrize("sql", ISSUE_RUNAWAYS)
def test_runaway_is_stopped_by_the_worker_even_without_generation_bounds(
        corpus_path: Path, sql: str) -> None:
    wh = DuckDBWarehouse(corpus_path, timeout_s=1.0, memory_limit=MEMORY_LIMIT,
                         limits=UNBOUNDED)
    try:
        with pytest.raises(SqlError) as err:
            wh.run_query(sql)
        assert err.value.code in {"timeout", "resource_limit"}
        assert wh.run_query("SELECT COUNT(*) AS n FROM customers").rows == [[1]]
        # The hard cap holds: never more than DuckDB's limit plus the worker's headroom
        # (and the interpreter's code pages, which RLIMIT_DATA does not count).
        assert wh.processes.peak_rss < size_bytes(MEMORY_LIMIT) + PROCESS_HEADROOM_BYTES \
            + 256 * 1024**2
    finally:
        wh.close()


def test_a_worker_that_ignores_its_interrupt_is_killed_and_replaced(corpus_path: Path) -> None:
    """generate_series ignores DuckDB's interrupt: with a cap high enough to let it run, the
    worker is killed at the deadline and the next query gets a fresh one."""
    wh = DuckDBWarehouse(corpus_path, timeout_s=0.5, memory_limit="3GB", limits=UNBOUNDED)
    try:
        wh.run_query("SELECT 1 AS x")
        with pytest.raises(SqlError) as err:
            wh.run_query("SELECT SUM(ARRAY_LENGTH(GENERATE_ARRAY(1, 20000000 + age))) AS l "
                         "FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS age")
        assert err.value.code in {"timeout", "resource_limit"}
        assert wh.run_query("SELECT note FROM sentinel").rows == [["untouched"]]
    finally:
        wh.close()
