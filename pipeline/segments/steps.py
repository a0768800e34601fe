"""The ``cymbal setup`` steps of segments, personas, RFM clusters and recommendations.

They run after the base warehouse and the review enrichment (which builds
``multimodal_customer_reviews`` with ``text_sentiment``). Each step fingerprints its inputs
and knobs and skips itself when nothing changed; the summaries carry the figures worth
seeing (cluster sizes and silhouette, hit rates), also when a step is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from config.settings import Settings
from pipeline.segments.personas import build_personas, uses_gemini
from pipeline.segments.profiles import (
    SENTIMENT_TABLE,
    build_customer_segments,
    persona_segment_frame,
)
from pipeline.segments.recommend import Rankings, evaluate, recommendation_frames
from pipeline.segments.rfm import cluster_locally, features_sql
from pipeline.segments.store import BigQueryStore, DuckDBStore, Store, fingerprint
from pipeline.segments.top_products import (
    Popularity,
    blended_table,
    data_basis,
    product_titles,
    purchase_counts,
    rank_products,
    with_titles,
)
from pipeline.steps import SetupContext, StepResult
from pipeline.warehouse_writer import open_for_update

BASE_TABLES = ("customers", "products", "customer_reviews", "orders")


class MissingInputError(ValueError):
    """A table a step needs has not been built."""

@dataclass
class Built:
    """What a build reports: remarks to show, and whether it is complete (an incomplete
    build, e.g. Gemini failing for some personas, is retried by the next setup)."""

    notes: list[str] = field(default_factory=list)
    complete: bool = True


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The configured warehouse as a read-write store."""
    if settings.backend == "bigquery":
        yield BigQueryStore.from_settings(settings)
        return
    with open_for_update(settings.duckdb_path) as con:
        yield DuckDBStore(con)


def _run_step(ctx: SetupContext, name: str, inputs: tuple[str, ...], outputs: tuple[str, ...],
              knobs: dict[str, object], build: Callable[[Store], Built],
              summarise: Callable[[Store], str]) -> StepResult:
    """Build ``outputs`` unless their inputs and knobs are unchanged since the last build."""
    with open_store(ctx.settings) as store:
        missing = [table for table in inputs if not store.has_table(table)]
        if missing:
            origin = (f" {SENTIMENT_TABLE} is built by the review enrichment step, which "
                      "runs before this one." if SENTIMENT_TABLE in missing else "")
            raise MissingInputError(f"The {name} step needs {', '.join(missing)}, which is not "
                                    f"built.{origin} Run `cymbal setup`.")
        key = f"step:{name}"
        wanted = fingerprint(name, {t: store.table_version(t) for t in inputs}, knobs)
        current = all(store.has_table(t) for t in outputs) and store.get_meta(key) == wanted
        if current and not ctx.options.force:
            return StepResult(name, summarise(store), skipped=True)
        built = build(store)
        for note in built.notes:
            ctx.reporter.note(f"  {note}")
        if built.complete:
            store.set_meta(key, fingerprint(name, {t: store.table_version(t) for t in inputs},
                                            knobs))
        ctx.rebuilt.add(name)
        return StepResult(name, summarise(store), skipped=False)


# -- persona segments and top products --------------------------------------------------------

SEGMENT_OUTPUTS = ("customer_segments", "unique_segment_profiles", "negative_customers",
                   "segment_top_products", "city_top_products", "segment_city_top_products",
                   "persona_segments")


def _build_segments(ctx: SetupContext, store: Store) -> Built:
    depth = ctx.settings.top_products_depth
    report = ctx.reporter.update
    stage = "persona segments"
    report(stage, 0, 4)
    counts = build_customer_segments(store)
    report(stage, 1, 4)
    basis = data_basis(store)
    purchases = purchase_counts(store, basis)
    titles = product_titles(store)
    segment_top = with_titles(rank_products(purchases, "segment", depth), titles).rename(
        columns={"segment": "persona_age_group_profile"}).assign(basis=basis)
    city_top = with_titles(rank_products(purchases, "city", depth), titles).rename(
        columns={"city": "address_city"}).assign(basis=basis)
    store.write("segment_top_products", segment_top)
    store.write("city_top_products", city_top)
    report(stage, 2, 4)
    store.write("segment_city_top_products",
                with_titles(blended_table(Popularity.from_counts(purchases), depth), titles))
    report(stage, 3, 4)
    store.write("persona_segments", persona_segment_frame(store, segment_top))
    report(stage, 4, 4)
    notes = []
    if basis == "reviews":
        notes.append("No orders in this data: top products are counted from reviews, "
                     "as the lab did.")
    if counts["negative_customers"] == 0:
        notes.append("No negative or neutral reviews: negative_customers is empty.")
    return Built(notes)


def _segments_summary(store: Store) -> str:
    row = store.query("SELECT COUNT(*) AS segments, SUM(customers) AS customers, "
                      "SUM(negative_customers) AS negative FROM persona_segments "
                      "WHERE customers > 0").iloc[0]
    return (f"{int(row['segments'])} persona segments over {int(row['customers'] or 0):,} "
            f"customers; {int(row['negative'] or 0):,} negative customers")


def build_segments_step(ctx: SetupContext) -> StepResult:
    """Persona segments, negative customers, and segment / city top products."""
    return _run_step(ctx, "segments", (*BASE_TABLES, SENTIMENT_TABLE), SEGMENT_OUTPUTS,
                     {"depth": ctx.settings.top_products_depth},
                     lambda store: _build_segments(ctx, store), _segments_summary)


# -- personas -------------------------------------------------------------------------------

def _build_personas(ctx: SetupContext, store: Store) -> Built:
    segments = store.query("SELECT * FROM persona_segments")
    result = build_personas(ctx.settings, segments,
                            lambda done, total: ctx.reporter.update("personas", done, total))
    store.write("customer_persona_definitions", result.frame)
    failed = uses_gemini(ctx.settings) and result.generated < len(result.frame)
    return Built(result.notes, complete=not failed)


def _personas_summary(store: Store) -> str:
    rows = store.query("SELECT source, COUNT(*) AS n FROM customer_persona_definitions "
                       "GROUP BY source ORDER BY source")
    parts = [f"{int(r.n)} {'Gemini-written' if r.source == 'gemini' else 'hand-written'}"
             for r in rows.itertuples()]
    return f"personas in English and Korean: {', '.join(parts)}"


def build_personas_step(ctx: SetupContext) -> StepResult:
    """customer_persona_definitions: Gemini personas, or the hand-written defaults."""
    settings = ctx.settings
    knobs = {"gemini": uses_gemini(settings),
             "model": settings.gemini_model if uses_gemini(settings) else None}
    return _run_step(ctx, "personas", ("persona_segments",), ("customer_persona_definitions",),
                     knobs, lambda store: _build_personas(ctx, store), _personas_summary)


# -- RFM clusters ---------------------------------------------------------------------------

def _build_rfm(ctx: SetupContext, store: Store) -> Built:
    settings = ctx.settings
    ctx.reporter.update("rfm clusters", 0, 2)
    basis = data_basis(store)
    if isinstance(store, BigQueryStore):
        from pipeline.segments.rfm_bqml import cluster_with_bqml

        clustering = cluster_with_bqml(store, settings.rfm_k, basis,
                                       settings.rfm_silhouette_sample)
    else:
        features = store.query(features_sql(basis))
        clustering = cluster_locally(features, settings.rfm_k, settings.seed, basis,
                                     settings.rfm_silhouette_sample)
        store.write("customer_rfm", clustering.customers)
    ctx.reporter.update("rfm clusters", 1, 2)
    store.write("rfm_clusters", clustering.clusters)
    ctx.reporter.update("rfm clusters", 2, 2)
    notes = []
    if basis == "reviews":
        notes.append("No orders in this data: RFM clusters use review activity instead "
                     "(recency of the last review, number of reviews, price of reviewed products).")
    if clustering.k < settings.rfm_k:
        notes.append(f"Only {clustering.k} distinct customer profiles: k lowered from "
                     f"{settings.rfm_k} to {clustering.k}.")
    return Built(notes)


def _rfm_summary(store: Store) -> str:
    rows = store.query("SELECT cluster_id, cluster_name, customers, silhouette, k, basis "
                       "FROM rfm_clusters ORDER BY cluster_id")
    if rows.empty:
        return "no customers to cluster"
    first = rows.iloc[0]
    silhouette = first["silhouette"]
    score = "n/a" if pd.isna(silhouette) else f"{float(silhouette):.3f}"
    sizes = "; ".join(f"{int(r.cluster_id)} {r.cluster_name} {int(r.customers):,}"
                      for r in rows.itertuples())
    return f"k={int(first['k'])} on {first['basis']}, silhouette {score}: {sizes}"


def build_rfm_step(ctx: SetupContext) -> StepResult:
    """customer_rfm and rfm_clusters: K-means on recency, frequency and spend."""
    settings = ctx.settings
    knobs = {"k": settings.rfm_k, "seed": settings.seed,
             "sample": settings.rfm_silhouette_sample, "backend": settings.backend}
    return _run_step(ctx, "rfm", BASE_TABLES, ("customer_rfm", "rfm_clusters"), knobs,
                     lambda store: _build_rfm(ctx, store), _rfm_summary)


# -- recommendations ------------------------------------------------------------------------

RECOMMENDATION_OUTPUTS = ("final_personalized_recommendations", "blended_recommendations",
                          "recommendation_evaluation")


def _build_recommendations(ctx: SetupContext, store: Store) -> Built:
    settings = ctx.settings
    stage = "recommendations"
    ctx.reporter.update(stage, 0, 3)
    basis = data_basis(store)
    rankings = Rankings.from_counts(purchase_counts(store, basis), settings.top_products_depth)
    frames = recommendation_frames(store, rankings, product_titles(store))
    for table, frame in frames.items():
        store.write(table, frame)
    ctx.reporter.update(stage, 1, 3)
    results = evaluate(store, basis, settings.top_products_depth,
                       settings.recommend_eval_customers)
    ctx.reporter.update(stage, 2, 3)
    store.write("recommendation_evaluation", pd.DataFrame([r.as_row() for r in results]))
    ctx.reporter.update(stage, 3, 3)
    return Built([] if basis == "orders" else [
        "No orders in this data: recommendations use review counts and cannot be evaluated "
        "on held-out orders."])


def _recommendations_summary(store: Store) -> str:
    count = int(store.query("SELECT COUNT(*) AS n FROM final_personalized_recommendations"
                            ).iloc[0]["n"])
    rows = store.query("SELECT method, customers_evaluated, hit_rate, status "
                       "FROM recommendation_evaluation ORDER BY method")
    if rows.empty or rows["hit_rate"].isna().all():
        status = rows["status"].iloc[0] if len(rows) else "not evaluated"
        return f"{count:,} negative customers × 2 methods; {status}"
    rates = ", ".join(f"{r.method} {float(r.hit_rate):.1%}" for r in rows.itertuples())
    evaluated = int(rows["customers_evaluated"].max())
    return (f"{count:,} negative customers × 2 methods; hit rate on {evaluated:,} held-out "
            f"last orders: {rates}")


def build_recommendations_step(ctx: SetupContext) -> StepResult:
    """Three products per negative customer by the lab's rule and by the blend; evaluation."""
    settings = ctx.settings
    knobs = {"depth": settings.top_products_depth, "eval": settings.recommend_eval_customers}
    inputs = (*BASE_TABLES, "customer_segments", "negative_customers")
    return _run_step(ctx, "recommendations", inputs, RECOMMENDATION_OUTPUTS, knobs,
                     lambda store: _build_recommendations(ctx, store), _recommendations_summary)


SEGMENT_STEPS = [build_segments_step, build_personas_step, build_rfm_step,
                 build_recommendations_step]
