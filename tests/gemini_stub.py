"""A local HTTP server that speaks enough of the Gemini REST API for tests.

``generateContent`` requests are answered by a callback that sees the prompt text and returns
``(status, text)``: the text becomes the model's reply, or with a non-200 status an error body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = Callable[[str], tuple[int, str]]


class GeminiStub:
    """The running stub: ``base_url`` for settings, ``prompts`` it has received."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.prompts: list[str] = []

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def _handler(stub: GeminiStub, reply: Reply) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            prompt = "".join(part.get("text", "") for content in body.get("contents", [])
                             for part in content.get("parts", []))
            stub.prompts.append(prompt)
            status, text = reply(prompt)
            if status == 200:
                payload = {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                                           "finishReason": "STOP", "index": 0}],
                           "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10,
                                             "totalTokenCount": 20}}
            else:
                payload = {"error": {"code": status, "message": text, "status": "ERROR"}}
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def gemini_stub(reply: Reply) -> Iterator[GeminiStub]:
    """Run a stub on a free local port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    stub = GeminiStub(server)
    server.RequestHandlerClass = _handler(stub, reply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
