"""A local HTTP server that speaks the Gemini REST API, for tests of the Gemini path.

The real google-genai client (and ADK's ``Gemini`` model on top of it) talks to it when
``base_url`` points here. Each request to ``:generateContent`` (or ``:streamGenerateContent``, answered as
server-sent events) takes the next scripted reply: a model turn (text or function calls), an HTTP error status, a delay longer than the
client's timeout, or raw bytes that are not JSON. Requests are recorded for assertions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent.callbacks import RATE_LIMITER
from tests.conftest import reset_caches

_PATH = re.compile(r"^/(?P<version>v1\w*)/models/(?P<model>[^:/]+):(?P<method>\w+)")


@dataclass
class Reply:
    """One scripted answer of the stub."""

    body: dict[str, Any] | None = None
    status: int = 200
    delay_s: float = 0.0
    raw: bytes | None = None


def text_reply(text: str) -> Reply:
    return Reply(body=_candidate([{"text": text}]))


def json_reply(payload: Any) -> Reply:
    """A structured-output answer: the JSON text of ``payload``."""
    return text_reply(json.dumps(payload, ensure_ascii=False))


def call_reply(name: str, args: dict[str, Any], *more: tuple[str, dict[str, Any]]) -> Reply:
    """A model turn that calls one or more functions."""
    calls = [(name, args), *more]
    return Reply(body=_candidate([{"functionCall": {"name": n, "args": a}} for n, a in calls]))


def error_reply(status: int, message: str = "stub error") -> Reply:
    return Reply(status=status, body={"error": {"code": status, "message": message,
                                                "status": "UNAVAILABLE"}})


def _candidate(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
                        "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                          "totalTokenCount": 15},
        "modelVersion": "stub-1",
    }


def _chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A reply as server-sent events: text in two pieces, anything else whole."""
    try:
        parts = body["candidates"][0]["content"]["parts"]
    except (KeyError, IndexError):
        return [body]
    if len(parts) != 1 or "text" not in parts[0] or len(parts[0]["text"]) < 2:
        return [body]
    text = parts[0]["text"]
    middle = len(text) // 2
    first = json.loads(json.dumps(body))
    first["candidates"][0]["content"]["parts"] = [{"text": text[:middle]}]
    first["candidates"][0].pop("finishReason", None)
    second = json.loads(json.dumps(body))
    second["candidates"][0]["content"]["parts"] = [{"text": text[middle:]}]
    return [first, second]


@dataclass
class GeminiStub:
    """A running stub; use as a context manager. ``base_url`` goes into settings."""

    script: list[Reply] = field(default_factory=list)
    fallback: Callable[[dict[str, Any]], Reply] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    embed_dim: int = 768

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                match = _PATH.match(self.path)
                method = match.group("method") if match else ""
                stub.requests.append({"path": self.path, "method": method, "body": body})
                if method in ("embedContent", "batchEmbedContents"):
                    self._send(200, stub._embeddings(body))
                    return
                reply = stub._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.raw is not None:
                    self._send_bytes(reply.status, reply.raw)
                elif method == "streamGenerateContent" and reply.status == 200:
                    self._send_events(_chunks(reply.body or {}))
                else:
                    self._send(reply.status, reply.body or {})

            def _send_events(self, chunks: list[dict[str, Any]]) -> None:
                data = b"".join(b"data: " + json.dumps(c).encode("utf-8") + b"\r\n\r\n"
                                for c in chunks)
                self._send_bytes(200, data, "text/event-stream")

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._send_bytes(status, json.dumps(payload).encode("utf-8"))

            def _send_bytes(self, status: int, data: bytes,
                            content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def generate_requests(self) -> list[dict[str, Any]]:
        """Model calls, streamed or not (embedding calls excluded)."""
        return [r for r in self.requests
                if r["method"] in ("generateContent", "streamGenerateContent")]

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        if self.fallback is not None:
            return self.fallback(body)
        return error_reply(500, "stub script exhausted")

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Deterministic unit vectors from the text's bytes, for embedding calls."""
        texts = [part.get("text", "") for req in body.get("requests", [body])
                 for part in req.get("content", {}).get("parts", [])]
        vectors = []
        for text in texts:
            values = [0.0] * self.embed_dim
            for i, byte in enumerate(text.encode("utf-8")):
                values[(byte + i) % self.embed_dim] += 1.0
            norm = sum(v * v for v in values) ** 0.5 or 1.0
            vectors.append({"values": [v / norm for v in values]})
        return {"embeddings": vectors} if "requests" in body else {"embedding": vectors[0]}

    def __enter__(self) -> GeminiStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def use_gemini_stub(monkeypatch: pytest.MonkeyPatch, base_url: str, **env: str) -> None:
    """Point the agent at a local Gemini stub (no retries unless ``env`` says so), with a
    fresh per-session rate limit and settings read anew."""
    settings = {"CYMBAL_GOOGLE_API_KEY": "test-key", "CYMBAL_MODEL": "auto",
                "CYMBAL_GEMINI_BASE_URL": base_url, "CYMBAL_MODEL_MAX_RETRIES": "0", **env}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    RATE_LIMITER._calls.clear()
    reset_caches()
