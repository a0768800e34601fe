"""Running enrichment: pick the analyser, analyse what is new, checkpoint, report progress.

Used by the ``enrich_reviews`` setup step and by ``cymbal enrich``. Only reviews without an
analysis are processed (all of them with ``force``; those analysed by another analyser too
with ``upgrade``). Results are saved batch by batch, so an interrupted run resumes where it
stopped. A Gemini run that hits an error more requests cannot fix (credentials, rate limits
after retries, an outage) stops cleanly; with ``fallback_offline`` the rest is analysed offline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from config.genai import ModelError
from config.settings import Settings
from pipeline.enrichment.analysis import ReviewAnalysis, ReviewInput
from pipeline.enrichment.gemini import GeminiAnalyzer
from pipeline.enrichment.media import MediaFile, find_media
from pipeline.enrichment.offline import OfflineAnalyzer
from pipeline.enrichment.store import EnrichmentStore, open_store
from pipeline.progress import NullReporter, Reporter
from pipeline.warehouse_writer import read_meta
from tools.search.embeddings import get_embedding_provider

T = TypeVar("T")
R = TypeVar("R")

OFFLINE_CHECKPOINT = 500  # reviews per saved batch on the offline path
REVIEW_STAGE = "analysing reviews"
MEDIA_STAGE = "analysing review media"


@dataclass
class EnrichOptions:
    """What to analyse and with which model (None: ``settings.enrichment_model``)."""

    model: str | None = None
    force: bool = False
    upgrade: bool = False
    limit: int | None = None
    media_dir: Path | None = None
    fallback_offline: bool = False


@dataclass
class EnrichSummary:
    """What a run did."""

    analyzer: str
    analysed: int = 0
    removed: int = 0  # results of reviews that no longer exist
    pending: int = 0
    total: int = 0
    fallbacks: int = 0
    media_found: int = 0
    media_analysed: int = 0
    multimodal_rows: int = 0
    elapsed_s: float = 0.0
    stopped: ModelError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.analysed or self.removed or self.media_analysed)

    def text(self) -> str:
        parts = [f"{self.analysed:,} reviews analysed by {self.analyzer}"]
        if self.fallbacks:
            parts.append(f"{self.fallbacks:,} of them by the offline fallback")
        parts.append(f"{self.total:,} reviews in total")
        if self.media_found:
            parts.append(f"{self.media_analysed} of {self.media_found} media files analysed")
        return ", ".join(parts) + f" ({self.elapsed_s:.1f}s)"


def wants_gemini(settings: Settings, model: str | None) -> str | None:
    """The Gemini model to use, or None for the offline analyser."""
    choice = (model or settings.enrichment_model).strip()
    if choice == "offline":
        return None
    if choice == "auto":
        return settings.gemini_model if settings.has_gemini_credentials else None
    return choice


def default_media_dir(settings: Settings) -> Path | None:
    """The configured media folder, or the lab data's ``review`` folder the warehouse came from."""
    if settings.review_media_dir is not None:
        return settings.review_media_dir
    lab = read_meta(settings.duckdb_path).get("lab_data")
    if lab and (Path(str(lab)) / "review").is_dir():
        return Path(str(lab)) / "review"
    return None


def enrich_reviews(settings: Settings, options: EnrichOptions,
                   reporter: Reporter | None = None) -> EnrichSummary:
    """Analyse new reviews and media into the warehouse; rebuild the multimodal table."""
    reporter = reporter or NullReporter()
    started = time.perf_counter()
    gemini_model = wants_gemini(settings, options.model)
    offline = _offline_analyzer()
    analyzer: OfflineAnalyzer | GeminiAnalyzer = offline
    if gemini_model:
        try:
            analyzer = GeminiAnalyzer(settings, gemini_model, fallback=offline)
        except ModelError as err:
            if not options.fallback_offline:
                raise
            reporter.note(f"Gemini unavailable ({err}); using the offline analyser.")
    media_dir = options.media_dir or default_media_dir(settings)
    with open_store(settings.duckdb_path) as store:
        removed = store.drop_orphans()
        backlog = store.backlog(force=options.force,
                                redo_unless=analyzer.name if options.upgrade else None,
                                limit=options.limit)
        summary = EnrichSummary(analyzer=analyzer.name, pending=len(backlog.pending),
                                total=backlog.total, removed=removed)
        if analyzer is offline:
            summary.analysed = _run_offline(store, backlog.pending, offline, reporter)
        else:
            summary.analysed, summary.fallbacks, summary.stopped = asyncio.run(_run_gemini(
                store, backlog.pending, analyzer, settings, reporter))
            if summary.stopped and options.fallback_offline:
                rest = store.backlog(limit=options.limit).pending
                reporter.note(f"Gemini stopped ({summary.stopped}); analysing the remaining "
                              f"{len(rest):,} reviews offline.")
                summary.fallbacks += _run_offline(store, rest, offline, reporter)
                summary.analysed += len(rest)
        media = find_media(media_dir)
        summary.media_found = len(media)
        if media:
            summary.media_analysed = _run_media(store, media, analyzer, settings, reporter,
                                                options.force, summary)
        if summary.changed or options.force or not store.multimodal_is_current():
            summary.multimodal_rows = store.build_multimodal()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _offline_analyzer() -> OfflineAnalyzer:
    """The offline analyser with the configured embeddings, or without them if they fail to
    load (e.g. Gemini embeddings without credentials): cue phrases alone still work."""
    try:
        return OfflineAnalyzer(get_embedding_provider())
    except Exception:  # noqa: BLE001 - any provider failure leaves the lexicon path intact
        return OfflineAnalyzer()


def _run_offline(store: EnrichmentStore, pending: Sequence[ReviewInput],
                 analyzer: OfflineAnalyzer, reporter: Reporter) -> int:
    reporter.update(REVIEW_STAGE, 0, len(pending))
    for start in range(0, len(pending), OFFLINE_CHECKPOINT):
        batch = pending[start:start + OFFLINE_CHECKPOINT]
        store.save(batch, analyzer.analyze(batch))
        reporter.update(REVIEW_STAGE, start + len(batch), len(pending))
    return len(pending)


async def _run_gemini(store: EnrichmentStore, pending: Sequence[ReviewInput],
                      analyzer: GeminiAnalyzer, settings: Settings,
                      reporter: Reporter) -> tuple[int, int, ModelError | None]:
    """Batches through Gemini with bounded concurrency; (analysed, fallbacks, stop reason)."""
    size = settings.enrichment_batch_size
    batches = [pending[i:i + size] for i in range(0, len(pending), size)]
    progress = {"done": 0, "fallbacks": 0}
    reporter.update(REVIEW_STAGE, 0, len(pending))

    def save(batch: Sequence[ReviewInput], results: list[ReviewAnalysis]) -> None:
        store.save(batch, results)
        progress["done"] += len(batch)
        progress["fallbacks"] += sum(r.analyzed_by != analyzer.name for r in results)
        reporter.update(REVIEW_STAGE, progress["done"], len(pending))

    stop = await _until_model_error(batches, analyzer.analyze, save, settings.model_concurrency)
    return progress["done"], progress["fallbacks"], stop


async def _until_model_error(items: Sequence[T], analyse: Callable[[T], Awaitable[R]],
                             save: Callable[[T, R], None], concurrency: int
                             ) -> ModelError | None:
    """``analyse`` every item, ``concurrency`` at a time, and ``save`` each result as it
    comes; after the first ModelError no new item starts. Returns that error, if any."""
    gate = asyncio.Semaphore(concurrency)
    stop: list[ModelError] = []

    async def one(item: T) -> None:
        async with gate:
            if stop:
                return
            try:
                result = await analyse(item)
            except ModelError as err:
                stop.append(err)
                return
        save(item, result)

    await asyncio.gather(*(one(item) for item in items))
    return stop[0] if stop else None


def _run_media(store: EnrichmentStore, media: list[MediaFile],
               analyzer: OfflineAnalyzer | GeminiAnalyzer, settings: Settings,
               reporter: Reporter, force: bool, summary: EnrichSummary) -> int:
    """Record media files; analyse the ones not analysed yet when the analyser can see."""
    analysed = 0
    for kind in ("image", "video"):
        files = [m for m in media if m.kind == kind]
        if not files:
            continue
        state = store.media_state(kind)
        store.forget_media(kind, {m.uri for m in files})
        store.save_media(kind, [(m.uri, None) for m in files if m.uri not in state])
        todo = [m for m in files if force or not state.get(m.uri, False)]
        if todo and not isinstance(analyzer, OfflineAnalyzer) and not summary.stopped:
            done, summary.stopped = asyncio.run(_analyse_media(store, kind, todo, analyzer,
                                                               settings, reporter))
            analysed += done
    if isinstance(analyzer, OfflineAnalyzer):
        summary.notes.append(f"{len(media)} review photos/videos found; they need Gemini to be "
                             "analysed (cymbal enrich --model gemini-2.5-flash).")
    return analysed


async def _analyse_media(store: EnrichmentStore, kind: str, todo: list[MediaFile],
                         analyzer: GeminiAnalyzer, settings: Settings, reporter: Reporter
                         ) -> tuple[int, ModelError | None]:
    done: list[int] = []
    reporter.update(f"{MEDIA_STAGE} ({kind}s)", 0, len(todo))

    def save(item: MediaFile, answer: str | None) -> None:
        store.save_media(kind, [(item.uri, answer)])
        done.append(int(answer is not None))
        reporter.update(f"{MEDIA_STAGE} ({kind}s)", len(done), len(todo))

    stop = await _until_model_error(todo, analyzer.analyze_media, save,
                                    settings.model_concurrency)
    return sum(done), stop
