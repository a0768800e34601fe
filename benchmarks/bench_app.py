"""The chat app's cold start and memory, and (with ``--load``) the app under concurrent users.

Usage: python benchmarks/bench_app.py [--starts 3] [--load] [--users 20] [--loops 5]
                                      [--duration 300] [--data-dir DIR] [--json OUT]

Cold start is the time from launching ``python app.py`` to its first HTTP 200 on
127.0.0.1, measured ``--starts`` times. Memory is the app's resident set (``/proc``) when it
has started and after one chat turn (which loads the offline model). ``--load`` then runs
``--users`` virtual users from this process, each playing a three-turn conversation ``--loops``
times, all stopping by ``--duration`` seconds (``benchmarks/app_load.py``); it reports
latency per turn, throughput, errors and the app's peak memory. The app runs on a scratch copy
of the data folder's warehouse and indexes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.app_load import AppProcess, run_load  # noqa: E402
from benchmarks.results import Row, write_results  # noqa: E402
from config.settings import get_settings  # noqa: E402

KEPT = ("cymbal.duckdb", "chroma", "value_index.json")  # what the app reads


def scratch_copy(source: Path, folder: Path) -> Path:
    """The warehouse and indexes of ``source`` in ``folder`` (sessions and campaigns not)."""
    for name in KEPT:
        entry = source / name
        if entry.is_dir():
            shutil.copytree(entry, folder / name)
        elif entry.exists():
            shutil.copy2(entry, folder / name)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--load", action="store_true")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--loops", type=int, default=5)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    source = args.data_dir or get_settings().data_dir
    rows: list[Row] = []
    data: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cymbal-bench-app-") as tmp:
        data_dir = scratch_copy(source, Path(tmp))
        starts, idle = [], []
        for n in range(args.starts):
            app = AppProcess(data_dir, Path(tmp) / f"app-{n}.log")
            try:
                starts.append(app.start())
                idle.append(app.memory()["rss_mb"])
                if n == 0:  # one conversation warms the app up, then the load (if asked)
                    first = run_load(app, users=1, loops=1, duration_s=120)
                    data["first_conversation_ms"] = first.latencies_ms
                    data["warm_rss_mb"] = app.memory()["rss_mb"]
                    if args.load:
                        result = run_load(app, users=args.users, loops=args.loops,
                                          duration_s=args.duration)
                        data["load"] = {**result.summary(), "error_samples": result.errors[:10]}
            finally:
                app.stop()
        data.update(cold_start_s=starts, idle_rss_mb=idle)
        rows += [
            ("app cold start (python app.py -> HTTP 200)",
             f"{statistics.median(starts):.1f} s", f"median of {len(starts)}: "
             + ", ".join(f"{s:.1f}" for s in starts) + " s"),
            ("app first answer after start", f"{data['first_conversation_ms'][0]:,.0f} ms",
             "loads the offline model, embeddings and indexes; next turns "
             + ", ".join(f"{t:,.0f}" for t in data["first_conversation_ms"][1:]) + " ms"),
            ("app memory after start (RSS)", f"{statistics.median(idle):,.0f} MB", ""),
            ("app memory after a 3-turn conversation", f"{data['warm_rss_mb']:,.0f} MB",
             "the offline model, embeddings and indexes loaded"),
        ]
        if "load" in data:
            s = data["load"]
            rows += [
                (f"load: {s['users']} users x {args.loops} conversations of 3 turns",
                 f"{s['errors']} errors", f"{s['turns']} turns in {s['wall_s']:.0f} s, "
                 f"{s['turns_per_s']:.2f} turns/s"),
                ("load: latency per turn p50 / p95 / max",
                 f"{s['latency_p50_ms']:,.0f} / {s['latency_p95_ms']:,.0f} ms",
                 f"max {s['latency_max_ms']:,.0f} ms (queue wait included; "
                 "the app runs 8 turns at once)"),
                ("load: app peak memory (RSS)", f"{s['app_peak_rss_mb']:,.0f} MB", ""),
            ]
    write_results(args.json, "app", rows, data)


if __name__ == "__main__":
    main()
