"""A local HTTP server that speaks enough of the Gemini REST API for enrichment tests.

``POST /v1beta/models/<model>:generateContent`` answers review-enrichment prompts with a JSON
analysis of every review in the prompt (sentiment from a few words of the text) and media
prompts with a summary of the attached file. Tests script failures per request: HTTP status
codes (429, 500, 403), malformed JSON, or answers that leave reviews out.
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_REVIEWS = re.compile(r"Reviews \(JSON\):\s*(\[.*\])\s*$", re.DOTALL)
Fault = Callable[[dict[str, Any]], "Reply | None"]  # request body -> scripted reply or None


@dataclass
class Reply:
    """A scripted answer: an HTTP status, or a 200 whose text is given."""

    status: int = 200
    text: str | None = None


@dataclass
class GeminiStub:
    """State shared with the request handler."""

    delay_s: float = 0.0
    faults: list[Fault] = field(default_factory=list)  # consulted in order, first match wins
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def review_ids(self) -> list[list[int]]:
        """The review ids of every review prompt received, in arrival order."""
        return [ids for body in self.requests if (ids := prompt_ids(body))]

    def answer(self, body: dict[str, Any]) -> Reply:
        for fault in self.faults:
            reply = fault(body)
            if reply is not None:
                return reply
        return Reply(text=json.dumps(default_answer(body), ensure_ascii=False))


def prompt_text(body: dict[str, Any]) -> str:
    parts = body.get("contents", [{}])[0].get("parts", [])
    return "\n".join(p.get("text", "") for p in parts if "text" in p)


def prompt_reviews(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = _REVIEWS.search(prompt_text(body))
    return json.loads(found.group(1)) if found else []


def prompt_ids(body: dict[str, Any]) -> list[int]:
    return [r["customer_review_id"] for r in prompt_reviews(body)]


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
    return base64.urlsafe_b64decode(padded) if "-" in data or "_" in data else base64.b64decode(padded)


def default_answer(body: dict[str, Any]) -> dict[str, Any]:
    reviews = prompt_reviews(body)
    if reviews:
        return {"reviews": [analyse(r) for r in reviews]}
    parts = body.get("contents", [{}])[0].get("parts", [])
    media = [p["inlineData"] for p in parts if "inlineData" in p]
    size = len(_decode(media[0]["data"])) if media else 0
    kind = (media[0].get("mimeType") or media[0].get("mime_type")) if media else "nothing"
    return {"summary": f"A {kind} of {size} bytes.", "keywords": [kind, "stub"]}


def _handler(stub: GeminiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with stub.lock:
                stub.requests.append(body)
                stub.in_flight += 1
                stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
            try:
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                if not self.path.endswith(":generateContent"):
                    self._send(404, {"error": {"code": 404, "message": "not found",
                                               "status": "NOT_FOUND"}})
                    return
                reply = stub.answer(body)
                if reply.status != 200:
                    self._send(reply.status, {"error": {"code": reply.status,
                                                        "message": f"stub {reply.status}",
                                                        "status": "STUB"}})
                    return
                self._send(200, {"candidates": [{"content": {"role": "model", "parts": [
                    {"text": reply.text}]}, "finishReason": "STOP", "index": 0}],
                    "modelVersion": "stub"})
            finally:
                with stub.lock:
                    stub.in_flight -= 1

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_stub(stub: GeminiStub | None = None) -> Iterator[GeminiStub]:
    """Serve ``stub`` on a free local port for the duration of the block."""
    stub = stub or GeminiStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
