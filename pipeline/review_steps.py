"""The setup steps of review data: analyse reviews, then index them for search."""

from __future__ import annotations

from pathlib import Path

from pipeline.enrichment.runner import EnrichOptions, enrich_reviews
from pipeline.review_index import build_review_index
from pipeline.steps import SetupContext, StepResult


def analyse_reviews(ctx: SetupContext) -> StepResult:
    """Sentiment, keywords and issue category of new reviews, and the lab's media analysis."""
    settings = ctx.settings
    if settings.backend != "duckdb":
        return StepResult("review analysis", "skipped: runs on the embedded warehouse "
                          "(CYMBAL_BACKEND=duckdb)", skipped=True)
    media_dir = settings.review_media_dir
    lab = ctx.options.lab_data
    if media_dir is None and lab is not None and (Path(lab) / "review").is_dir():
        media_dir = Path(lab) / "review"
    summary = enrich_reviews(settings, EnrichOptions(media_dir=media_dir, fallback_offline=True),
                             ctx.reporter)
    for note in summary.notes:
        ctx.reporter.note(note)
    if summary.changed or summary.multimodal_rows:
        ctx.rebuilt.add("review_analysis")
    return StepResult("review analysis", summary.text(),
                      skipped=not (summary.changed or summary.multimodal_rows))


def index_reviews(ctx: SetupContext) -> StepResult:
    """The semantic search index of reviews (only new or changed reviews are embedded)."""
    settings = ctx.settings
    if settings.backend != "duckdb":
        return StepResult("review index", "skipped: built from the embedded warehouse",
                          skipped=True)
    summary = build_review_index(settings, ctx.reporter)
    if summary.written or summary.removed:
        ctx.rebuilt.add("review_index")
    text = (f"{summary.total:,} reviews in {settings.chroma_dir}; {summary.written:,} new or "
            f"changed, {summary.removed:,} removed")
    return StepResult("review index", text, skipped=not (summary.written or summary.removed))
