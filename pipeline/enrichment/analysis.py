"""What enrichment produces for one review, whichever analyser produced it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

Label = Literal["positive", "negative", "neutral"]
IssueKey = Literal["품질불량", "배송문제", "기대미충족", "단순변심", "결제문제", "응대문제", "기타",
                   "해당없음"]


@dataclass(frozen=True)
class ReviewInput:
    """A review to analyse: its id, text and star rating."""

    customer_review_id: int
    review_text: str
    rating: int | None


class ReviewFields(BaseModel):
    """What an analyser decides about one review (also Gemini's structured-output schema)."""

    customer_review_id: int
    sentiment: Label
    sentiment_score: float = Field(ge=-1.0, le=1.0)
    keywords: list[str]
    issue_category: IssueKey
    improvement_point: str | None = None


class ReviewAnalysis(ReviewFields):
    """The enrichment of one review, with the analyser that made it."""

    analyzed_by: str

    def sentiment_json(self) -> str:
        """The lab's sentiment_json_string: ``{"sentiment": "negative"}``."""
        return json.dumps({"sentiment": self.sentiment})

    def keywords_json(self) -> str:
        """The lab's keywords_json_string: ``{"keywords": ["fit", "fabric"]}``."""
        return json.dumps({"keywords": self.keywords}, ensure_ascii=False)


def rating_disagrees(sentiment: str, rating: int | None) -> bool | None:
    """True when the stars contradict the text: praise rated 1–2, or a complaint rated 4–5."""
    if rating is None:
        return None
    return (sentiment == "positive" and rating <= 2) or (sentiment == "negative" and rating >= 4)
