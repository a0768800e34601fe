"""Every benchmark, one table: what ``cymbal bench`` runs.

Usage: python benchmarks/run_all.py [--only turns,sql,index,app] [--quick] [--load]
                                    [--scales 1 10] [--out DIR]

Each benchmark runs as its own process (so its peak memory is its own) and hands its figures
back as JSON; the table printed at the end carries the machine's details and is written as
JSON and Markdown under ``--out`` (default data/reports). ``--quick`` uses small sizes for a
smoke run; ``--load`` adds the long load test of the app (20 users, 5 conversations each,
at most 5 minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine import describe, machine  # noqa: E402
from config.settings import get_settings  # noqa: E402

HERE = Path(__file__).resolve().parent
NAMES = ("turns", "sql", "index", "app")
TITLES = {"turns": "agent turns (offline, end to end)", "sql": "SQL per backend and scale",
          "review_index": "review index", "app": "app"}


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    quick = args.quick
    scales = [str(s) for s in (args.scales or ([1] if quick else [1, 10]))]
    app = ["--starts", "1" if quick else "3"]
    if args.load:
        app += ["--load", "--users", "20", "--loops", "5", "--duration", "300"]
    return {
        "turns": ["bench_turns.py", "--repeat", "2" if quick else "5"],
        "sql": ["bench_sql.py", "--scales", *scales, "--repeat", "1" if quick else "3"],
        "index": ["bench_review_index.py", "--embed", "200" if quick else "1000",
                  "--sizes", *(["10000"] if quick else ["10000", "100000"]),
                  "--queries", "10" if quick else "38"],
        "app": ["bench_app.py", *app],
    }


def run(name: str, command: list[str], folder: Path) -> dict[str, Any]:
    """One benchmark process; its output streams to stderr, its figures come back as JSON."""
    out = folder / f"{name}.json"
    print(f"\n== {name}: {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:], "--json",
                           str(out)], stdout=sys.stderr, check=False)
    if done.returncode != 0 or not out.exists():
        return {"benchmark": name, "rows": [[name, "failed", f"exit code {done.returncode}"]],
                "data": {}, "peak_rss_mb": None, "seconds": time.perf_counter() - started}
    result = json.loads(out.read_text(encoding="utf-8"))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def markdown(info: dict[str, Any], results: list[dict[str, Any]], started: str) -> str:
    lines = [f"# Benchmarks — {started}", "", f"Machine: {describe(info)}", "",
             "| benchmark | measure | value | notes |", "|---|---|---|---|"]
    for result in results:
        title = TITLES.get(result["benchmark"], result["benchmark"])
        for measure, value, note in result["rows"]:
            lines.append(f"| {title} | {measure.strip()} | {value} | {note} |")
        peak = result.get("peak_rss_mb")
        if peak:
            lines.append(f"| {title} | peak memory of the benchmark process (RSS) | "
                         f"{peak:,.0f} MB | ran {result['seconds']:.0f} s |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(NAMES),
                        help=f"comma-separated: {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--load", action="store_true", help="add the long load test")
    parser.add_argument("--scales", type=float, nargs="+", help="SQL benchmark scales")
    parser.add_argument("--out", type=Path, help="report folder (default data/reports)")
    args = parser.parse_args()
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(wanted) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(unknown)}")
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    info = machine()
    print(f"machine: {describe(info)}", file=sys.stderr)
    plan = commands(args)
    with tempfile.TemporaryDirectory(prefix="cymbal-bench-") as tmp:
        results = [run(name, plan[name], Path(tmp)) for name in wanted]
    info["load_average_at_end"] = machine()["load_average"]
    text = markdown(info, results, started)
    print(text)
    folder = args.out or get_settings().data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = started[:19].replace(":", "").replace("-", "").replace("T", "-")
    (folder / f"bench-{stamp}.md").write_text(text, encoding="utf-8")
    (folder / f"bench-{stamp}.json").write_text(
        json.dumps({"started": started, "machine": info, "results": results},
                   ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"report: {folder / f'bench-{stamp}.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
