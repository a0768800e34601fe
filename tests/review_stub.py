"""Review enrichment answers for the shared Gemini REST stub (``tests/gemini_stub.py``).

The stub's fallback answers every review-enrichment prompt with a JSON analysis of the reviews
in it (sentiment from a few words of the text) and every media prompt with a summary of the
attached file. Tests script faults per request (HTTP errors, malformed JSON, answers that leave
reviews out), slow answers down, and read which reviews each request carried and how many
requests were in flight at once.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.gemini_stub import GeminiStub, Reply, json_reply

_REVIEWS = re.compile(r"Reviews \(JSON\):\s*(\[.*\])\s*$", re.DOTALL)
Fault = Callable[[dict[str, Any]], Reply | None]  # request body -> scripted reply, or None


@dataclass
class ReviewModel:
    """The stub's behaviour and what it saw."""

    base_url: str = ""
    delay_s: float = 0.0
    faults: list[Fault] = field(default_factory=list)  # consulted in order, first match wins
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def review_ids(self) -> list[list[int]]:
        """The review ids of every review prompt received, in arrival order."""
        return [ids for body in list(self.requests) if (ids := prompt_ids(body))]

    def reply(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append(body)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            for fault in self.faults:
                reply = fault(body)
                if reply is not None:
                    return reply
            return json_reply(default_answer(body))
        finally:
            with self.lock:
                self.in_flight -= 1


def prompt_text(body: dict[str, Any]) -> str:
    parts = body.get("contents", [{}])[0].get("parts", [])
    return "\n".join(p.get("text", "") for p in parts if "text" in p)


def prompt_ids(body: dict[str, Any]) -> list[int]:
    found = _REVIEWS.search(prompt_text(body))
    return [r["customer_review_id"] for r in json.loads(found.group(1))] if found else []


def analyse(review: dict[str, Any]) -> dict[str, Any]:
    """A plausible analysis of one review from a few words of its text."""
    text = review["text"].lower()
    negative = any(w in text for w in ("broke", "late", "disappoint", "refund", "terrible", "leak"))
    positive = any(w in text for w in ("love", "great", "perfect", "happy", "excellent"))
    sentiment = "negative" if negative else "positive" if positive else "neutral"
    return {"customer_review_id": review["customer_review_id"], "sentiment": sentiment,
            "sentiment_score": {"negative": -0.7, "positive": 0.8, "neutral": 0.0}[sentiment],
            "keywords": ["stub", sentiment],
            "issue_category": "배송문제" if "late" in text else
            ("품질불량" if negative else "해당없음"),
            "improvement_point": "배송을 개선하세요." if negative else None}


def _decode(data: str) -> bytes:
    """Inline data as the client sends it (URL-safe base64, padding optional)."""
    padded = data + "=" * (-len(data) % 4)
    if "-" in data or "_" in data:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


def default_answer(body: dict[str, Any]) -> dict[str, Any]:
    found = _REVIEWS.search(prompt_text(body))
    if found:
        return {"reviews": [analyse(r) for r in json.loads(found.group(1))]}
    parts = body.get("contents", [{}])[0].get("parts", [])
    media = [p["inlineData"] for p in parts if "inlineData" in p]
    size = len(_decode(media[0]["data"])) if media else 0
    kind = (media[0].get("mimeType") or media[0].get("mime_type")) if media else "nothing"
    return {"summary": f"A {kind} of {size} bytes.", "keywords": [kind, "stub"]}


@contextmanager
def running_stub() -> Iterator[ReviewModel]:
    """The shared stub, answering like a review-enrichment model, for one block."""
    model = ReviewModel()
    with GeminiStub(fallback=model.reply) as stub:
        model.base_url = stub.base_url
        yield model
