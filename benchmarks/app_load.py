"""The chat app under load: ``python app.py`` in its own process, and virtual users talking to
it over HTTP from this one, each with its own conversation.

``AppProcess`` starts the app on a free localhost port, measures its cold start (process start
to the first HTTP 200) and reads its memory from ``/proc``. ``run_load`` drives the app's
``/respond`` endpoint with gradio_client: each virtual user has its own client (its own queue
session) and conversation id, and plays a short conversation over and over until its loop
count or the time limit is reached. A turn is an error when the request fails, no answer comes
back, the answer reports a failure, or the conversation id changes mid-conversation. The
follow-up of each conversation must still be about that user's own city, which catches
conversations bleeding into each other under concurrency.

Used by ``tests/reliability/test_load.py`` (short) and ``benchmarks/bench_app.py`` (long).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.vocabulary.cities import city_spellings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FAILURE_MARKS = ("The model call failed", "could not answer", "Traceback", "Error:")


def conversation(city: str) -> list[str]:
    """A user's conversation: a count for their city, a follow-up, a Korean question."""
    return [f"How many customers live in {city}?", "Only the loyalty members",
            "도시별 평균 평점은?"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a Linux process, in MB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(rest.split()[0]) / 1024
    return values


class AppProcess:
    """``python app.py`` on a free 127.0.0.1 port, offline, on ``data_dir``."""

    def __init__(self, data_dir: Path, log: Path, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self.env = {**os.environ, "CYMBAL_DATA_DIR": str(data_dir), "CYMBAL_MODEL": "offline",
                    "CYMBAL_UI_HOST": "127.0.0.1", "CYMBAL_UI_PORT": str(self.port),
                    "GRADIO_ANALYTICS_ENABLED": "False", **(extra_env or {})}
        for key in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CYMBAL_GOOGLE_API_KEY"):
            self.env.pop(key, None)
        self.process: subprocess.Popen[bytes] | None = None
        self.cold_start_s = 0.0

    def start(self, timeout_s: float = 180) -> float:
        """Start and wait for HTTP 200; returns the cold start in seconds."""
        started = time.perf_counter()
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "app.py")],
                                            env=self.env, stdout=handle, stderr=handle,
                                            cwd=PROJECT_ROOT)
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        self.cold_start_s = time.perf_counter() - started
                        return self.cold_start_s
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"app did not start: {self.log.read_text()[-2000:]}")

    def memory(self) -> dict[str, float]:
        assert self.process is not None
        return proc_memory_mb(self.process.pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def __enter__(self) -> AppProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class LoadResult:
    users: int
    turns: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sessions: dict[int, set[str]] = field(default_factory=dict)  # user -> conversation ids
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0

    def summary(self) -> dict[str, Any]:
        latency = np.array(self.latencies_ms or [0.0])
        return {"users": self.users, "turns": self.turns, "errors": len(self.errors),
                "wall_s": round(self.wall_s, 1),
                "turns_per_s": round(self.turns / self.wall_s, 2) if self.wall_s else 0.0,
                "latency_p50_ms": round(float(np.percentile(latency, 50)), 1),
                "latency_p95_ms": round(float(np.percentile(latency, 95)), 1),
                "latency_max_ms": round(float(latency.max()), 1),
                "conversations": sum(len(s) for s in self.sessions.values()),
                "app_peak_rss_mb": round(self.peak_rss_mb, 1)}


def _last_answer(chat: Sequence[dict[str, Any]]) -> str:
    """The text of the final assistant message (not a tool box) of a chat."""
    for message in reversed(chat):
        if message.get("role") == "assistant" and not (message.get("metadata") or {}).get("title"):
            content = message.get("content")
            if isinstance(content, list):
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


def _user(url: str, user: int, deadline: float, loops: int, result: LoadResult,
          lock: threading.Lock) -> None:
    from gradio_client import Client

    cities = list(city_spellings())
    city = cities[user % len(cities)]
    client = Client(url, verbose=False, download_files=False)
    for _ in range(loops):
        chat: list[dict[str, Any]] = []
        session = ""
        for n, message in enumerate(conversation(city)):
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            problem = None
            try:
                out = client.predict(message, chat, session, api_name="/respond")
                chat, returned = list(out[0]), str(out[2])
                answer = _last_answer(chat)
                if not answer.strip():
                    problem = "no answer"
                elif any(mark in answer for mark in FAILURE_MARKS):
                    problem = f"failure reported: {answer[:120]}"
                elif session and returned != session:
                    problem = f"conversation id changed from {session} to {returned}"
                elif n == 1 and city not in answer:
                    problem = f"follow-up lost its city {city}: {answer[:120]}"
                session = returned
            except Exception as err:  # noqa: BLE001 - every failure is counted, none stops the run
                problem = f"{type(err).__name__}: {str(err)[:160]}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.turns += 1
                result.latencies_ms.append(elapsed)
                if problem:
                    result.errors.append(f"user {user} turn {n + 1}: {problem}")
                if session:
                    result.sessions.setdefault(user, set()).add(session)


def run_load(app: AppProcess, users: int = 20, loops: int = 1,
             duration_s: float = 120.0) -> LoadResult:
    """``users`` virtual users, each playing its conversation ``loops`` times, all stopping
    by ``duration_s``; the app's resident memory is sampled while they run."""
    result = LoadResult(users=users)
    lock = threading.Lock()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result.peak_rss_mb = max(result.peak_rss_mb, app.memory().get("rss_mb", 0.0))
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    deadline = started + duration_s
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(_user, app.url, u, deadline, loops, result, lock)
                   for u in range(users)]
        for future in futures:
            future.result()
    result.wall_s = time.perf_counter() - started
    stop.set()
    sampler.join()
    result.peak_rss_mb = max(result.peak_rss_mb, app.memory().get("peak_rss_mb", 0.0))
    return result
