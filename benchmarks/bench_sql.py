"""SQL latency through the agent's safe path, per backend and data scale.

Usage: python benchmarks/bench_sql.py [--scales 1 10] [--repeat 3] [--no-bigquery]
                                      [--folder data/bench] [--json OUT]

Every gold query of ``evals/sql_gold*.yaml`` (the text-to-SQL evaluation's, over base and
derived tables) runs through ``Warehouse.run_query``: the guard (parse, one read-only query,
known tables and columns), the BigQuery→DuckDB transpile and the execution, with the usual row
cap. Each query runs ``--repeat`` times after one warm-up; p50/p95/max are over all runs, and
the guard's share is measured on its own.

DuckDB warehouses are generated per scale under ``--folder`` (reused when present; scale 10 =
100k customers, ~500k order lines, 30k reviews) with every derived table but without the
vector indexes, which SQL does not read. BigQuery runs on the local emulator
(``scripts/install_bqemulator.sh``) when its virtualenv exists: the scale-1 base tables are
loaded into it and the gold queries over base tables run through the real BigQuery client
(dry run, byte cap, labels, then the query). The emulator executes on DuckDB behind a REST API,
so its figures measure the client path and the emulator, not BigQuery's service.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Row, p50_p95, write_results  # noqa: E402
from config.settings import PROJECT_ROOT, Settings  # noqa: E402
from evaluation.sql_accuracy import GOLD_DIR, GoldItem, load_gold, runnable  # noqa: E402
from pipeline.knowledge import build_knowledge_index, build_value_index  # noqa: E402
from pipeline.progress import NullReporter  # noqa: E402
from pipeline.review_steps import index_reviews  # noqa: E402
from pipeline.setup import STEPS  # noqa: E402
from pipeline.steps import SetupContext, SetupOptions  # noqa: E402
from tools.warehouse.base import Warehouse  # noqa: E402
from tools.warehouse.duckdb_backend import DuckDBWarehouse  # noqa: E402

BASE_TABLES = {"customers", "products", "customer_reviews", "orders"}
SKIPPED_STEPS = {index_reviews, build_value_index, build_knowledge_index}  # SQL reads none


def build_warehouse(folder: Path, scale: float) -> tuple[Path, float]:
    """A generated warehouse with derived tables at ``scale`` (built once); (path, seconds)."""
    settings = Settings(data_dir=folder, enrichment_model="offline", persona_source="defaults")
    ctx = SetupContext(settings=settings, options=SetupOptions(scale=scale),
                       reporter=NullReporter())
    started = time.perf_counter()
    for step in STEPS:
        if step not in SKIPPED_STEPS:
            step(ctx)
    return settings.duckdb_path, time.perf_counter() - started


def gold_items() -> list[GoldItem]:
    return [item for path in sorted(GOLD_DIR.glob("sql_gold*.yaml")) for item in load_gold(path)]


def time_queries(warehouse: Warehouse, items: list[GoldItem], repeat: int) -> dict[str, Any]:
    """Per-run wall times (guard + transpile + execution) and guard-only times, in ms."""
    runs: list[float] = []
    guard: list[float] = []
    slowest: dict[str, float] = {}
    failed: list[str] = []
    for item in items:
        try:
            warehouse.run_query(item.sql)  # warm-up
        except Exception as err:  # noqa: BLE001 - a failing query is reported, not fatal
            failed.append(f"{item.id}: {type(err).__name__}: {str(err)[:100]}")
            continue
        for _ in range(repeat):
            started = time.perf_counter()
            warehouse.run_query(item.sql)
            runs.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            warehouse.validate(item.sql)
            guard.append((time.perf_counter() - started) * 1000)
        slowest[item.id] = max(slowest.get(item.id, 0.0), runs[-1])
    top = sorted(slowest.items(), key=lambda kv: -kv[1])[:3]
    return {"runs_ms": runs, "guard_ms": guard, "queries": len(items) - len(failed),
            "failed": failed, "slowest": top}


def duckdb_rows(scale: float, path: Path, build_s: float, repeat: int) -> tuple[list[Row], dict]:
    warehouse = DuckDBWarehouse(path, max_rows=500)
    try:
        items = runnable(gold_items(), set(warehouse.catalog().table_names()))
        timing = time_queries(warehouse, items, repeat)
    finally:
        warehouse.close()
    counts = DuckDBWarehouse(path).run_query(
        "SELECT (SELECT COUNT(*) FROM cymbal.customers), (SELECT COUNT(*) FROM cymbal.orders), "
        "(SELECT COUNT(*) FROM cymbal.customer_reviews)").rows[0]
    size = f"{counts[0]:,} customers, {counts[1]:,} order lines, {counts[2]:,} reviews"
    slow = ", ".join(f"{k} {v:.0f} ms" for k, v in timing["slowest"])
    rows: list[Row] = [
        (f"DuckDB scale {scale:g}: query p50 / p95", p50_p95(timing["runs_ms"]),
         f"{timing['queries']} gold queries x {repeat}; {size}"),
        (f"DuckDB scale {scale:g}: query max", f"{max(timing['runs_ms']):,.0f} ms",
         f"slowest: {slow}"),
        (f"DuckDB scale {scale:g}: guard alone p50 / p95", p50_p95(timing["guard_ms"]),
         "parse, read-only check, column qualification"),
    ]
    if build_s > 1:
        rows.append((f"DuckDB scale {scale:g}: build (no vector index)", f"{build_s:,.0f} s",
                     "generate, analyse reviews, segments, RFM, recommendations"))
    return rows, {"scale": scale, "size": size, "build_s": build_s, **timing}


def bigquery_rows(path: Path, scale: float, repeat: int) -> tuple[list[Row], dict]:
    """The base tables of ``path`` in the emulator, and the base-table gold queries on it."""
    import duckdb

    from pipeline.bigquery_loader import load_tables
    from tests.bq_emulator import (
        BigQueryEmulator,
        emulator_executable,
        emulator_uploads,
    )
    from tools.warehouse.bigquery_backend import BigQueryWarehouse

    executable = emulator_executable()
    if executable is None:
        return [("BigQuery emulator", "skipped", "run scripts/install_bqemulator.sh")], {}
    con = duckdb.connect(str(path), read_only=True)
    frames = {t: con.execute(f"SELECT * FROM {t}").df() for t in sorted(BASE_TABLES)}
    con.close()
    with BigQueryEmulator(executable, project="cymbal-bench") as emulator:
        client = emulator.client()
        started = time.perf_counter()
        with emulator_uploads():
            load_tables(client, "cymbal-bench", "cymbal", frames, "asia-northeast3")
        load_s = time.perf_counter() - started
        warehouse = BigQueryWarehouse(project="cymbal-bench", dataset="cymbal",
                                      location="asia-northeast3",
                                      api_endpoint=emulator.endpoint, timeout_s=60)
        try:
            items = runnable(gold_items(), BASE_TABLES)
            timing = time_queries(warehouse, items, repeat)
        finally:
            warehouse.close()
    local = DuckDBWarehouse(path)
    try:
        same = time_queries(local, [i for i in items
                                    if i.id not in {f.split(':')[0] for f in timing['failed']}],
                            repeat)
    finally:
        local.close()
    rows: list[Row] = [
        (f"BigQuery emulator scale {scale:g}: query p50 / p95", p50_p95(timing["runs_ms"]),
         f"{timing['queries']} base-table gold queries x {repeat}, real client: dry run + "
         f"query; {len(timing['failed'])} not supported by the emulator"),
        ("  DuckDB, same queries: p50 / p95", p50_p95(same["runs_ms"]), "for comparison"),
        ("BigQuery emulator: load base tables", f"{load_s:,.1f} s",
         ", ".join(f"{t} {len(f):,}" for t, f in frames.items())),
    ]
    return rows, {"load_s": load_s, **timing, "duckdb_same_queries": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--no-bigquery", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[Row] = []
    data: dict[str, Any] = {"duckdb": []}
    paths: dict[float, Path] = {}
    for scale in args.scales:
        folder = args.folder / f"warehouse-scale-{scale:g}"
        print(f"scale {scale:g}: building or reusing {folder} …", flush=True)
        paths[scale], build_s = build_warehouse(folder, scale)
        got, raw = duckdb_rows(scale, paths[scale], build_s, args.repeat)
        rows += got
        data["duckdb"].append(raw)
    if not args.no_bigquery:
        smallest = min(paths)
        print("BigQuery emulator: loading the base tables …", flush=True)
        got, raw = bigquery_rows(paths[smallest], smallest, args.repeat)
        rows += got
        data["bigquery_emulator"] = raw
    write_results(args.json, "sql", rows, data)


if __name__ == "__main__":
    main()
