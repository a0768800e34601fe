"""Review enrichment with Gemini: batched structured calls, and the lab's media analysis.

A batch of reviews goes out as one request whose JSON answer is validated against a schema
(``config.genai`` retries malformed output and retries 429/5xx with backoff). Reviews the
answer leaves out are asked for one by one; a review whose answer stays malformed gets the
offline analysis, marked in ``analyzed_by``. Errors that more requests cannot fix (auth,
rate limits after retries, outages) propagate as ``ModelError`` so the run can stop and resume.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from google import genai
from google.genai import types
from pydantic import BaseModel

from config.genai import ModelError, agenerate_json, genai_client
from config.prompts import load_prompt
from config.settings import Settings
from pipeline.enrichment.analysis import ReviewAnalysis, ReviewFields, ReviewInput
from pipeline.enrichment.media import INLINE_LIMIT_BYTES, MediaFile
from pipeline.enrichment.offline import OfflineAnalyzer, improvement_point
from tools.vocabulary.reviews import NO_ISSUE, issue_categories

MAX_KEYWORDS = 8


class GeminiReviewBatch(BaseModel):
    """Gemini's answer for a batch of reviews."""

    reviews: list[ReviewFields]


class MediaAnalysis(BaseModel):
    """Gemini's analysis of one review photo or video, as the lab stores it."""

    summary: str
    keywords: list[str]


def categories_text() -> str:
    """The issue categories as the prompt lists them."""
    return "\n".join(f"  - {key} ({cat.name}): {cat.description}"
                     for key, cat in issue_categories().items() if key != NO_ISSUE)


def review_prompt(reviews: Sequence[ReviewInput]) -> str:
    """The enrichment prompt for ``reviews`` (texts only: the stars are left out on purpose)."""
    payload = [{"customer_review_id": r.customer_review_id, "text": r.review_text} for r in reviews]
    return load_prompt("review_enrichment", categories=categories_text(),
                       reviews=json.dumps(payload, ensure_ascii=False, indent=1))


class GeminiAnalyzer:
    """Analyses reviews and review media with a Gemini model."""

    def __init__(self, settings: Settings, model: str | None = None,
                 client: genai.Client | None = None,
                 fallback: OfflineAnalyzer | None = None) -> None:
        model = model or settings.gemini_model
        self.settings = settings.model_copy(update={"gemini_model": model})
        self.name = f"gemini:{model}"
        self._client = client or genai_client(self.settings)
        self._fallback = fallback or OfflineAnalyzer()

    async def analyze(self, reviews: Sequence[ReviewInput]) -> list[ReviewAnalysis]:
        """The analysis of every review in the batch, in order."""
        found = await self._ask(reviews)
        missing = [r for r in reviews if r.customer_review_id not in found]
        if len(reviews) > 1:
            for review in missing:
                found.update(await self._ask([review]))
            missing = [r for r in reviews if r.customer_review_id not in found]
        for result in self._fallback.analyze(missing):
            found[result.customer_review_id] = result.model_copy(
                update={"analyzed_by": f"{result.analyzed_by} (gemini output malformed)"})
        return [found[r.customer_review_id] for r in reviews]

    async def _ask(self, reviews: Sequence[ReviewInput]) -> dict[int, ReviewAnalysis]:
        """Valid results by review id; malformed output gives none (other errors raise)."""
        try:
            answer = await agenerate_json(review_prompt(reviews), GeminiReviewBatch,
                                          settings=self.settings, client=self._client)
        except ModelError as err:
            if err.code == "malformed":
                return {}
            raise
        wanted = {r.customer_review_id: r for r in reviews}
        results: dict[int, ReviewAnalysis] = {}
        for item in answer.reviews:
            if item.customer_review_id in wanted and item.customer_review_id not in results:
                review = wanted[item.customer_review_id]
                results[item.customer_review_id] = self._result(item, review)
        return results

    def _result(self, item: ReviewFields, review: ReviewInput) -> ReviewAnalysis:
        """Gemini's answer made consistent with the table's rules."""
        category = NO_ISSUE if item.sentiment == "positive" else item.issue_category
        improvement = None
        if item.sentiment == "negative":
            improvement = (item.improvement_point or "").strip() or improvement_point(
                category, review.review_text)
        keywords = list(dict.fromkeys(k.strip() for k in item.keywords if k and k.strip()))
        return ReviewAnalysis(
            customer_review_id=review.customer_review_id, sentiment=item.sentiment,
            sentiment_score=item.sentiment_score, keywords=keywords[:MAX_KEYWORDS],
            issue_category=category, improvement_point=improvement, analyzed_by=self.name)

    async def analyze_media(self, media: MediaFile) -> str | None:
        """The lab's analysis JSON (summary, keywords) of one file; None if it is too large
        to send inline or stays malformed."""
        size = media.path.stat().st_size
        if size > INLINE_LIMIT_BYTES:
            return None
        parts = [types.Part.from_bytes(data=media.path.read_bytes(), mime_type=media.mime_type),
                 types.Part.from_text(text=load_prompt("review_media", kind=media.kind))]
        try:
            answer = await agenerate_json(parts, MediaAnalysis, settings=self.settings,
                                          client=self._client)
        except ModelError as err:
            if err.code == "malformed":
                return None
            raise
        return json.dumps({"summary": answer.summary, "keywords": answer.keywords[:MAX_KEYWORDS]},
                          ensure_ascii=False)
