"""Hostile SQL: corpus figures, runaway-query timings and peak memory, warm-query latency.

Usage: python benchmarks/bench_hostile_sql.py [--timeout 1] [--memory-limit 500MB]
                                              [--repeat 200] [--json OUT]

1. The corpus (tests/data/hostile_sql.yaml) through ``DuckDBWarehouse.run_query`` on a
   generated test warehouse (the guard's test tables, a sentinel and an internal table):
   tried / refused / stopped / executed / leaked, by class.
2. The issue's runaway queries, each on a fresh warehouse: with the generation bounds (the
   default), with them lifted (the worker's hard memory cap stops them), and lifted under a
   3GB cap (DuckDB's generate_series ignores the interrupt; the worker is killed at the
   deadline): seconds to the answer and the worker's peak resident memory.
3. Warm latency of a count, a group-by and a join through the whole safe path (guard,
   translation, worker round trip), p50 / p95 over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Row, write_results  # noqa: E402
from tests.hostile_corpus import load_corpus, run_corpus  # noqa: E402
from tests.test_guard import build_warehouse  # noqa: E402
from tests.test_hostile_corpus import ISSUE_RUNAWAYS, UNBOUNDED  # noqa: E402
from tools.warehouse.duckdb_backend import DuckDBWarehouse  # noqa: E402
from tools.warehouse.duckdb_dialect import GenerationLimits  # noqa: E402
from tools.warehouse.errors import SqlError  # noqa: E402

LATENCY_QUERIES = {
    "count": "SELECT COUNT(*) AS n FROM customers",
    "group-by": "SELECT gender, COUNT(*) AS n, AVG(age) AS a FROM customers GROUP BY 1",
    "join": "SELECT c.gender, AVG(r.rating) AS r FROM customers c "
            "JOIN customer_reviews r USING (customer_id) GROUP BY 1",
}


def make_warehouse(folder: Path) -> Path:
    path = folder / "cymbal.duckdb"
    build_warehouse(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE _build_info AS SELECT '/secret/build/path' AS path")
    con.close()
    return path


def runaway(path: Path, sql: str, timeout_s: float, memory_limit: str,
            limits: GenerationLimits) -> tuple[float, str, int, bool]:
    """(seconds, error code, worker peak RSS bytes, next query worked) on a fresh warehouse."""
    wh = DuckDBWarehouse(path, timeout_s=timeout_s, memory_limit=memory_limit, limits=limits)
    try:
        wh.run_query("SELECT 1 AS warm")  # the worker is up before the clock starts
        started = time.perf_counter()
        try:
            wh.run_query(sql)
            code = "executed"
        except SqlError as err:
            code = err.code
        seconds = time.perf_counter() - started
        survived = wh.run_query("SELECT COUNT(*) AS n FROM sentinel").rows == [[1]]
        return seconds, code, wh.processes.peak_rss, survived
    finally:
        wh.close()


def latency(path: Path, repeat: int) -> dict[str, list[float]]:
    wh = DuckDBWarehouse(path)
    try:
        out: dict[str, list[float]] = {}
        for name, sql in LATENCY_QUERIES.items():
            wh.run_query(sql)
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                wh.run_query(sql)
                runs.append((time.perf_counter() - started) * 1000)
            out[name] = runs
        return out
    finally:
        wh.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--memory-limit", default="500MB")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        path = make_warehouse(Path(folder))
        wh = DuckDBWarehouse(path, timeout_s=args.timeout, memory_limit=args.memory_limit)
        try:
            report = run_corpus(wh, load_corpus())
        finally:
            wh.close()
        figures = report.figures()
        rows.append(("hostile corpus: tried / refused / stopped / executed / leaked",
                     " / ".join(str(figures[k]) for k in
                                ("tried", "refused", "stopped", "executed", "leaked")),
                     f"timeout {args.timeout:g}s, memory limit {args.memory_limit}"))
        for kind, counts in report.by_class().items():
            rows.append((f"  class {kind}", ", ".join(f"{k} {v}" for k, v in counts.items()),
                         ""))
        runaways = {}
        configurations = (  # the last lets generate_series run past DuckDB's interrupt
            ("bounded", GenerationLimits(), args.memory_limit),
            ("unbounded", UNBOUNDED, args.memory_limit),
            ("unbounded, 3GB", UNBOUNDED, "3GB"))
        for label, limits, memory_limit in configurations:
            for sql in ISSUE_RUNAWAYS:
                seconds, code, peak, survived = runaway(path, sql, args.timeout,
                                                        memory_limit, limits)
                runaways[f"{label}: {sql}"] = (seconds, code, peak, survived)
                rows.append((f"runaway ({label}) {sql[:38]}…",
                             f"{seconds:.2f} s, {peak / 2**20:,.0f} MiB",
                             f"{code}; next query {'worked' if survived else 'FAILED'}"))
        timings = latency(path, args.repeat)
        for name, runs in timings.items():
            cuts = statistics.quantiles(runs, n=20)
            rows.append((f"warm latency: {name} p50 / p95",
                         f"{statistics.median(runs):.1f} / {cuts[18]:.1f} ms",
                         f"{len(runs)} runs, guard + translation + worker round trip"))
    write_results(args.json, "hostile_sql", rows, {
        "figures": figures, "by_class": {k: dict(v) for k, v in report.by_class().items()},
        "runaways": runaways, "latency_ms": timings})


if __name__ == "__main__":
    main()
