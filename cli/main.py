"""The ``cymbal`` command line: build the data, run safe SQL, and (later) chat."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config.settings import get_settings

app = typer.Typer(help="Cymbal marketing agent: data setup, safe SQL, chat.",
                  no_args_is_help=True, add_completion=False)
out = Console()
err = Console(stderr=True)


@app.command()
def setup(
    lab_data: Annotated[Path | None, typer.Option(
        "--lab-data", help="Load the BigQuery lab's CSV files from this folder instead of "
        "generating data.", exists=True, file_okay=False)] = None,
    scale: Annotated[float, typer.Option(help="Generated data size: 1 = 10k customers; "
                                         "100 = 1M customers, 5M orders.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 42,
    reviews_per_customer: Annotated[float, typer.Option(
        help="Generated reviews per customer.")] = 0.3,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if current.")] = False,
) -> None:
    """Build everything the app needs on the configured backend (idempotent)."""
    from pipeline.progress import console_reporter
    from pipeline.setup import run_setup
    from pipeline.steps import SetupOptions

    settings = get_settings()
    options = SetupOptions(lab_data=lab_data, scale=scale, seed=seed,
                           reviews_per_customer=reviews_per_customer, force=force)
    try:
        with console_reporter(err) as reporter:
            run_setup(settings, options, reporter)
    except (ValueError, OSError) as exc:
        err.print(f"[red]setup failed:[/red] {exc}")
        raise typer.Exit(1) from None
    err.print(f"[green]Ready.[/green] Data in {settings.data_dir}")


@app.command()
def enrich(
    model: Annotated[str | None, typer.Option(
        help="offline, auto (Gemini when credentials exist), or a Gemini model name such as "
        "gemini-2.5-flash. Default: CYMBAL_ENRICHMENT_MODEL.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-analyse every review.")] = False,
    upgrade: Annotated[bool, typer.Option(
        "--upgrade", help="Also re-analyse reviews another analyser (or a fallback) "
        "handled, e.g. offline results once Gemini is configured.")] = False,
    limit: Annotated[int | None, typer.Option(help="Analyse at most this many reviews.",
                                              min=1)] = None,
    media: Annotated[Path | None, typer.Option(
        help="Folder of the lab's review photos and videos (default: CYMBAL_REVIEW_MEDIA_DIR, "
        "or the lab data's review folder).", exists=True, file_okay=False)] = None,
    index: Annotated[bool, typer.Option(help="Update the review search index afterwards.")] = True,
) -> None:
    """Analyse new customer reviews: sentiment, keywords, issue category, media (resumable)."""
    from config.genai import ModelError
    from pipeline.enrichment.runner import EnrichOptions, enrich_reviews
    from pipeline.progress import console_reporter
    from pipeline.review_index import build_review_index

    settings = get_settings()
    if settings.backend != "duckdb":
        err.print("[red]enrich runs on the embedded warehouse:[/red] set CYMBAL_BACKEND=duckdb.")
        raise typer.Exit(1)
    options = EnrichOptions(model=model, force=force, upgrade=upgrade, limit=limit,
                            media_dir=media)
    try:
        with console_reporter(err) as reporter:
            summary = enrich_reviews(settings, options, reporter)
            if index:
                built = build_review_index(settings, reporter)
    except ModelError as exc:
        err.print(f"[red]{exc.code}:[/red] {exc}")
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        err.print(f"[red]enrich failed:[/red] {exc}")
        raise typer.Exit(1) from None
    for note in summary.notes:
        err.print(note)
    err.print(summary.text())
    if index:
        err.print(f"review index: {built.written:,} new or changed of {built.total:,}")
    if summary.stopped is not None:
        remaining = summary.pending - summary.analysed
        err.print(f"[red]stopped ({summary.stopped.code}):[/red] {summary.stopped} "
                  f"{remaining:,} reviews remain; run `cymbal enrich` again to resume.")
        raise typer.Exit(1)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One BigQuery-dialect SELECT query.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: columns, rows, "
                                          "truncated.")] = False,
    max_rows: Annotated[int | None, typer.Option(help="Row cap (at most the configured "
                                                 "CYMBAL_MAX_ROWS).")] = None,
) -> None:
    """Run one query through the agent's safe SQL path and print the result."""
    from tools.warehouse import SqlError, get_warehouse

    try:
        result = get_warehouse().run_query(query, max_rows=max_rows)
    except SqlError as exc:
        if as_json:
            print(json.dumps(exc.to_dict(), ensure_ascii=False))
        else:
            err.print(f"[red]{exc.code}:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({"columns": result.columns, "rows": result.rows,
                          "truncated": result.truncated}, ensure_ascii=False))
        return
    table = Table(*result.columns, show_lines=False)
    for row in result.rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    out.print(table)
    more = " (truncated: more rows exist)" if result.truncated else ""
    err.print(f"{len(result.rows):,} rows in {result.elapsed_ms:.0f} ms on "
              f"{result.backend}{more}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in English or Korean.")],
    model: Annotated[str | None, typer.Option(help="offline, a Gemini model name, or "
                                              "litellm/<provider>/<model>.")] = None,
    session: Annotated[str | None, typer.Option(help="Continue this conversation "
                                                "(a new one is started if omitted).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: answer, "
                                          "tool_calls, sql, columns, rows, model.")] = False,
) -> None:
    """Ask the agent one question (one turn through the ADK runner)."""
    import asyncio

    from agent.runner import ChatService

    service = ChatService(model=model)
    if not as_json:
        err.print(f"[dim]model: {service.model_choice.label} — {service.model_choice.reason}[/dim]")
    result = asyncio.run(service.ask(question, session_id=session))
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, default=str))
        return
    for call in result.tool_calls:
        mark = "[green]ok[/green]" if call.ok else "[red]failed[/red]"
        err.print(f"[dim]tool {call.name} {mark} {json.dumps(call.args, ensure_ascii=False)[:200]}[/dim]")
    out.print(result.answer)
    err.print(f"[dim]session {result.session_id} · {result.elapsed_ms:.0f} ms[/dim]")


@app.command()
def ui(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1; "
                                             "others need CYMBAL_UI_USERNAME/PASSWORD).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
) -> None:
    """Serve the chat UI."""
    from config.model_choice import choose_model

    settings = get_settings()
    choice = choose_model(settings)
    err.print(f"model: {choice.label} — {choice.reason}", soft_wrap=True)
    from app import serve  # after saying which model: loading the app takes a while
    updates = {k: v for k, v in {"ui_host": host, "ui_port": port}.items() if v is not None}
    serve(settings.model_copy(update=updates) if updates else settings)


# -- email campaigns (cymbal campaign …) -----------------------------------------------------
from cli.campaign import campaign_app  # noqa: E402 - kept beside its registration

app.add_typer(campaign_app, name="campaign")

# -- evaluation and benchmarks (cymbal eval, cymbal bench) ----------------------------------
from cli.evaluate import bench_command, eval_command  # noqa: E402 - beside registration

app.command("eval")(eval_command)
app.command("bench")(bench_command)


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="cymbal")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
