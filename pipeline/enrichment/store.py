"""Where enrichment reads reviews and keeps its results: the embedded DuckDB warehouse.

Each saved batch is one transaction over ``customer_reviews_analysis`` and
``customer_reviews_keywords``, so a run that dies keeps every finished batch and the next run
picks up the reviews that have no analysis yet. ``multimodal_customer_reviews`` is rebuilt
from them (and the media results) the lab's way at the end of a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.enrichment.analysis import ReviewAnalysis, ReviewInput, rating_disagrees
from pipeline.warehouse_writer import open_for_update
from tools.warehouse.schema import TableSpec, conform, load_schema

ANALYSIS = "customer_reviews_analysis"
KEYWORDS = "customer_reviews_keywords"
IMAGES = "review_images_results"
VIDEOS = "review_videos_results"
MULTIMODAL = "multimodal_customer_reviews"
MEDIA_TABLES = {"image": (IMAGES, "image_analysis_json"), "video": (VIDEOS, "video_analysis_json")}
# The lab's join of media files to reviews: the number in "Review (N).png" / "Review Video (N).mp4".
MEDIA_ID_PATTERNS = {"image": r"Review.*\((\d+)\)", "video": r"Video.*\((\d+)\)"}


@dataclass(frozen=True)
class Backlog:
    """Reviews waiting for analysis, and how many are analysed already."""

    pending: list[ReviewInput]
    analysed: int
    total: int


class EnrichmentStore:
    """Enrichment tables in one open warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.specs: dict[str, TableSpec] = {name: load_schema()[name] for name in (
            ANALYSIS, KEYWORDS, IMAGES, VIDEOS, MULTIMODAL)}
        for name in (ANALYSIS, KEYWORDS, IMAGES, VIDEOS):
            self._ensure(name)

    def _ensure(self, name: str) -> None:
        """Create ``name`` if absent, or recreate it if its columns no longer match the spec."""
        spec = self.specs[name]
        columns = [row[0] for row in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [name]).fetchall()]
        if columns != spec.column_names:
            self.con.execute(spec.duckdb_ddl(name))

    def backlog(self, *, force: bool = False, redo_unless: str | None = None,
                limit: int | None = None) -> Backlog:
        """Reviews to analyse: those without analysis (all with ``force``; also those analysed
        by another analyser than ``redo_unless``), oldest id first, at most ``limit``."""
        total = self.con.execute("SELECT COUNT(*) FROM customer_reviews").fetchone()[0]
        condition = "TRUE" if force else "a.customer_review_id IS NULL"
        params: list[object] = []
        if redo_unless and not force:
            condition += " OR a.analyzed_by <> ?"
            params.append(redo_unless)
        sql = (f"SELECT r.customer_review_id, r.review_text, r.rating FROM customer_reviews r "
               f"LEFT JOIN {ANALYSIS} a USING (customer_review_id) WHERE {condition} "
               f"ORDER BY r.customer_review_id")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.con.execute(sql, params).fetchall()
        analysed = self.con.execute(f"SELECT COUNT(*) FROM {ANALYSIS}").fetchone()[0]
        pending = [ReviewInput(int(i), str(text or ""), None if rating is None else int(rating))
                   for i, text, rating in rows]
        return Backlog(pending=pending, analysed=analysed, total=total)

    def save(self, reviews: Sequence[ReviewInput], results: Sequence[ReviewAnalysis]) -> None:
        """Store one batch of results in one transaction (replacing earlier results)."""
        if not results:
            return
        ratings = {r.customer_review_id: r.rating for r in reviews}
        now = dt.datetime.now().replace(microsecond=0)
        analysis = pd.DataFrame({
            "customer_review_id": [r.customer_review_id for r in results],
            "sentiment_json_string": [r.sentiment_json() for r in results],
            "text_sentiment": [r.sentiment for r in results],
            "sentiment_score": [r.sentiment_score for r in results],
            "issue_category": [r.issue_category for r in results],
            "rating_text_disagree": [
                rating_disagrees(r.sentiment, ratings.get(r.customer_review_id)) for r in results],
            "improvement_point": [r.improvement_point for r in results],
            "analyzed_by": [r.analyzed_by for r in results],
            "analyzed_at": [now] * len(results),
        })
        keywords = pd.DataFrame({"customer_review_id": analysis["customer_review_id"],
                                 "keywords_json_string": [r.keywords_json() for r in results]})
        ids = pd.DataFrame({"customer_review_id": analysis["customer_review_id"]})
        self.con.begin()
        try:
            for name, frame in ((ANALYSIS, analysis), (KEYWORDS, keywords)):
                self._replace_rows(name, frame, ids)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def _replace_rows(self, name: str, frame: pd.DataFrame, ids: pd.DataFrame) -> None:
        self.con.register("_batch_ids", ids)
        self.con.register("_batch", conform(frame, self.specs[name]))
        try:
            self.con.execute(f"DELETE FROM {name} WHERE customer_review_id IN "
                             "(SELECT customer_review_id FROM _batch_ids)")
            self.con.execute(f"INSERT INTO {name} SELECT * FROM _batch")
        finally:
            self.con.unregister("_batch")
            self.con.unregister("_batch_ids")

    def drop_orphans(self) -> int:
        """Delete results of reviews that no longer exist; return how many."""
        gone = self.con.execute(
            f"SELECT COUNT(*) FROM {ANALYSIS} WHERE customer_review_id NOT IN "
            "(SELECT customer_review_id FROM customer_reviews)").fetchone()[0]
        if gone:
            for name in (ANALYSIS, KEYWORDS):
                self.con.execute(f"DELETE FROM {name} WHERE customer_review_id NOT IN "
                                 "(SELECT customer_review_id FROM customer_reviews)")
        return int(gone)

    def media_state(self, kind: str) -> dict[str, bool]:
        """uri -> whether it has been analysed, for every known media file of ``kind``."""
        table, column = MEDIA_TABLES[kind]
        return {uri: analysed for uri, analysed in self.con.execute(
            f"SELECT uri, {column} IS NOT NULL FROM {table}").fetchall()}

    def save_media(self, kind: str, rows: Sequence[tuple[str, str | None]]) -> None:
        """Store (uri, analysis JSON or None) rows for media of ``kind``."""
        if not rows:
            return
        table, column = MEDIA_TABLES[kind]
        frame = pd.DataFrame({"uri": [u for u, _ in rows], column: [a for _, a in rows]})
        self.con.begin()
        try:
            self.con.register("_media", conform(frame, self.specs[table]))
            self.con.execute(f"DELETE FROM {table} WHERE uri IN (SELECT uri FROM _media)")
            self.con.execute(f"INSERT INTO {table} SELECT * FROM _media")
            self.con.unregister("_media")
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def forget_media(self, kind: str, keep: set[str]) -> None:
        """Remove media rows whose files are gone."""
        table, _ = MEDIA_TABLES[kind]
        known = self.media_state(kind)
        for uri in set(known) - keep:
            self.con.execute(f"DELETE FROM {table} WHERE uri = ?", [uri])

    def build_multimodal(self) -> int:
        """Rebuild ``multimodal_customer_reviews`` the lab's way; return its row count."""
        spec = self.specs[MULTIMODAL]
        self.con.execute(spec.duckdb_ddl(MULTIMODAL))
        image, video = MEDIA_ID_PATTERNS["image"], MEDIA_ID_PATTERNS["video"]
        self.con.execute(f"""
            INSERT INTO {MULTIMODAL}
            WITH images AS (
                SELECT TRY_CAST(regexp_extract(uri, '{image}', 1) AS BIGINT) AS customer_review_id,
                       uri AS image_uri, image_analysis_json
                FROM {IMAGES}
                QUALIFY row_number() OVER (PARTITION BY customer_review_id ORDER BY uri) = 1),
            videos AS (
                SELECT TRY_CAST(regexp_extract(uri, '{video}', 1) AS BIGINT) AS customer_review_id,
                       uri AS video_uri, video_analysis_json
                FROM {VIDEOS}
                QUALIFY row_number() OVER (PARTITION BY customer_review_id ORDER BY uri) = 1)
            SELECT cr.customer_review_id, cr.customer_id, cr.location_id, cr.review_datetime,
                   cr.review_text, cr.social_media_source, cr.social_media_handle, cr.product_id,
                   cr.rating, a.sentiment_json_string, a.text_sentiment, k.keywords_json_string,
                   a.issue_category, a.rating_text_disagree, a.improvement_point,
                   i.image_uri, i.image_analysis_json, v.video_uri, v.video_analysis_json
            FROM customer_reviews cr
            LEFT JOIN {ANALYSIS} a USING (customer_review_id)
            LEFT JOIN {KEYWORDS} k USING (customer_review_id)
            LEFT JOIN images i USING (customer_review_id)
            LEFT JOIN videos v USING (customer_review_id)
            ORDER BY cr.customer_review_id""")
        return int(self.con.execute(f"SELECT COUNT(*) FROM {MULTIMODAL}").fetchone()[0])

    def multimodal_is_current(self) -> bool:
        """True when the joined table exists and matches the reviews and their analysis."""
        exists = self.con.execute("SELECT COUNT(*) FROM information_schema.tables "
                                  "WHERE table_name = ?", [MULTIMODAL]).fetchone()[0]
        if not exists:
            return False
        counts = self.con.execute(f"SELECT (SELECT COUNT(*) FROM {MULTIMODAL}), "
                                  "(SELECT COUNT(*) FROM customer_reviews)").fetchone()
        if counts[0] != counts[1]:
            return False
        stale = self.con.execute(f"""
            SELECT COUNT(*) FROM customer_reviews cr
            LEFT JOIN {MULTIMODAL} m USING (customer_review_id)
            LEFT JOIN {ANALYSIS} a USING (customer_review_id)
            WHERE m.customer_review_id IS NULL
               OR m.text_sentiment IS DISTINCT FROM a.text_sentiment
               OR m.issue_category IS DISTINCT FROM a.issue_category""").fetchone()[0]
        return stale == 0


@contextmanager
def open_store(path: Path) -> Iterator[EnrichmentStore]:
    """The enrichment tables of the warehouse at ``path``, on a read-write connection."""
    with open_for_update(path) as con:
        yield EnrichmentStore(con)
