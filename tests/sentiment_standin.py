"""TEST-ONLY stand-in for review sentiment, until the review enrichment step is merged.

The segment steps read ``multimodal_customer_reviews.text_sentiment`` and ``issue_category``,
which the review enrichment step (issue 4) builds before them. On a branch without that step,
this stand-in builds the table from ``customer_reviews`` with sentiment taken from the star
rating (4-5 positive, 3 neutral, 1-2 negative) — good enough to exercise the segment logic,
not a sentiment method. It does nothing when the table already exists, so it is harmless
once the real step runs first; delete it then.
"""

from __future__ import annotations

from pipeline import setup as setup_module
from pipeline.segments.steps import SEGMENT_STEPS
from pipeline.setup import SetupContext, StepResult
from pipeline.warehouse_writer import open_for_update

STANDIN_SQL = """
CREATE TABLE multimodal_customer_reviews AS
SELECT r.*,
       CASE WHEN rating >= 4 THEN 'positive' WHEN rating = 3 THEN 'neutral' ELSE 'negative' END
         AS text_sentiment,
       '{"sentiment": "' || CASE WHEN rating >= 4 THEN 'positive' WHEN rating = 3 THEN 'neutral'
         ELSE 'negative' END || '"}' AS sentiment_json_string,
       CASE WHEN rating >= 3 THEN '해당없음'
            WHEN lower(review_text) LIKE '%deliver%' OR lower(review_text) LIKE '%shipping%'
              THEN '배송문제'
            ELSE '품질불량' END AS issue_category
FROM customer_reviews AS r
"""


def create_standin_sentiment(con) -> bool:
    """Create the stand-in table on a DuckDB connection unless it exists; True if created."""
    exists = con.execute("SELECT COUNT(*) FROM information_schema.tables "
                         "WHERE table_name = 'multimodal_customer_reviews'").fetchone()[0]
    if exists:
        return False
    con.execute(STANDIN_SQL)
    return True


def standin_review_sentiment(ctx: SetupContext) -> StepResult:
    """A setup step that builds the stand-in (DuckDB only)."""
    with open_for_update(ctx.settings.duckdb_path) as con:
        created = create_standin_sentiment(con)
    return StepResult("test stand-in sentiment", "rating-based stand-in", skipped=not created)


def install_standin_step() -> None:
    """Put the stand-in step right before the segment steps (once)."""
    steps = setup_module.STEPS
    if standin_review_sentiment not in steps:
        steps.insert(steps.index(SEGMENT_STEPS[0]), standin_review_sentiment)
