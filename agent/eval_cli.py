"""``cymbal eval`` and ``cymbal bench``: measured quality and measured speed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from agent.settings import get_settings

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
    from agent.evaluation.report import run_eval, write_report

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
