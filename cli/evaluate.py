"""``cymbal eval`` and ``cymbal bench``: measured quality and measured speed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from config.settings import PROJECT_ROOT, get_settings

out = Console()
err = Console(stderr=True)


def eval_command(
    model: Annotated[str | None, typer.Option(help="offline, a Gemini model name, or "
                                              "litellm/<provider>/<model> (default: "
                                              "CYMBAL_MODEL).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the JSON and "
                                                 "Markdown report (default data/reports).",
                                                 file_okay=False)] = None,
    evalset: Annotated[list[Path] | None, typer.Option(
        help="Only these evalset files (default: every evals/*.evalset.json).",
        exists=True, dir_okay=False)] = None,
    sql: Annotated[bool, typer.Option(help="Also run the text-to-SQL execution-accuracy "
                                      "harness (evals/sql_gold*.yaml).")] = True,
) -> None:
    """Evaluate the agent: tool trajectories of the evalsets, SQL execution accuracy, and
    per-turn latency, model calls and tool calls. Campaigns it creates go to a scratch folder."""
    from evaluation.report import run_eval, write_report

    settings = get_settings()
    if not settings.duckdb_path.exists() and settings.backend == "duckdb":
        err.print(f"[red]No warehouse at {settings.duckdb_path}.[/red] Build it with: cymbal setup")
        raise typer.Exit(1)
    with err.status("evaluating…") as status:
        run = run_eval(model=model, evalsets=evalset, sql=sql,
                       progress=lambda step: status.update(f"evaluating… {step}"))
    out.print(Markdown(run.to_markdown()))
    json_path, md_path = write_report(run, out_dir)
    err.print(f"[dim]report: {json_path} and {md_path}[/dim]")
    if run.evalsets.errors:
        raise typer.Exit(1)


def bench_command(
    only: Annotated[str, typer.Option(help="Comma-separated benchmarks: turns (offline agent "
                                      "per turn), sql (per backend and scale), index (review "
                                      "index), app (cold start, memory).")] =
        "turns,sql,index,app",
    quick: Annotated[bool, typer.Option("--quick", help="Small sizes, for a smoke run.")] = False,
    load: Annotated[bool, typer.Option("--load", help="Add the long load test of the app "
                                       "(20 users, 5 conversations each).")] = False,
    scales: Annotated[list[float] | None, typer.Option(
        "--scale", help="Data scales of the SQL benchmark (repeatable; default 1 and 10).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the report "
                                                 "(default data/reports).",
                                                 file_okay=False)] = None,
) -> None:
    """Benchmark the agent, SQL, the review index and the app; print one table with the
    machine's details (runs benchmarks/run_all.py from the source checkout)."""
    script = PROJECT_ROOT / "benchmarks" / "run_all.py"
    if not script.exists():
        err.print("[red]cymbal bench needs the source checkout's benchmarks/ folder.[/red]")
        raise typer.Exit(1)
    command = [sys.executable, str(script), "--only", only]
    command += ["--quick"] if quick else []
    command += ["--load"] if load else []
    command += ["--scales", *map(str, scales)] if scales else []
    command += ["--out", str(out_dir)] if out_dir else []
    raise typer.Exit(subprocess.run(command, check=False).returncode)
