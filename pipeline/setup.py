"""``cymbal setup``: build everything the app needs, idempotently, step by step.

Each step checks whether its output is already current and skips if so, so running
setup twice costs seconds. Later capabilities add their build steps to ``STEPS``.
"""

from __future__ import annotations

from config.settings import Settings
from pipeline.knowledge import build_knowledge_index, build_value_index
from pipeline.progress import NullReporter, Reporter
from pipeline.review_steps import analyse_reviews, index_reviews
from pipeline.segments.steps import SEGMENT_STEPS
from pipeline.steps import SetupContext, SetupOptions, Step, StepResult
from pipeline.warehouse_writer import read_meta, write_base_tables


def build_warehouse(ctx: SetupContext) -> StepResult:
    """The base tables: the lab's files or the synthetic generator's output."""
    settings, options = ctx.settings, ctx.options
    wanted = options.source()
    if settings.backend == "duckdb" and not options.force:
        meta = read_meta(settings.duckdb_path)
        if meta and all(meta.get(k) == v for k, v in wanted.items()):
            counts = meta.get("tables", {})
            return StepResult("warehouse", _counts_text(counts), skipped=True)

    frames, notes = _base_frames(ctx)
    for note in notes:
        ctx.reporter.note(note)
    if settings.backend == "bigquery":
        from pipeline.bigquery_loader import load_tables
        from tools.warehouse.bigquery_backend import BigQueryWarehouse

        client = BigQueryWarehouse.from_settings(settings).client()
        counts = load_tables(client, settings.bq_project, settings.dataset, frames,
                             settings.bq_location)
        where = f"BigQuery {settings.bq_project}.{settings.dataset}"
    else:
        counts = write_base_tables(settings.duckdb_path, frames,
                                   progress=lambda m: ctx.reporter.note(f"  {m}"), **wanted)
        where = str(settings.duckdb_path)
    ctx.rebuilt.add("warehouse")
    return StepResult("warehouse", f"{where}: {_counts_text(counts)}", skipped=False)


def _base_frames(ctx: SetupContext) -> tuple[dict, list[str]]:
    options = ctx.options
    if options.lab_data is not None:
        from pipeline.lab_loader import load_lab_data

        load = load_lab_data(options.lab_data)
        return load.frames, [f"lab data: {_counts_text(load.counts)}", *load.notes]
    from pipeline.generate import generate_dataset

    frames = generate_dataset(scale=options.scale, seed=options.seed,
                              reviews_per_customer=options.reviews_per_customer,
                              progress=ctx.reporter.update)
    return frames, []


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items())


# Segment steps read review sentiment: they come after the review enrichment step. Text-to-SQL
# steps run last: they index every table and value the steps before built.
STEPS: list[Step] = [build_warehouse, analyse_reviews, index_reviews, *SEGMENT_STEPS,
                     build_value_index, build_knowledge_index]


def run_setup(settings: Settings, options: SetupOptions,
              reporter: Reporter | None = None) -> list[StepResult]:
    """Run every build step in order; each skips itself when already current."""
    ctx = SetupContext(settings=settings, options=options, reporter=reporter or NullReporter())
    results = []
    for step in STEPS:
        result = step(ctx)
        state = "up to date" if result.skipped else "built"
        ctx.reporter.note(f"{result.name} ({state}): {result.summary}")
        results.append(result)
    return results
