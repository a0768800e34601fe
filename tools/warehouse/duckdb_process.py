"""DuckDB queries run in worker processes that a runaway query cannot outlive.

Each worker (``tools.warehouse.duckdb_worker``) holds one read-only connection under a hard
memory cap. A query that runs past its timeout is interrupted inside the worker; if the
worker has not answered by the deadline (some DuckDB operators ignore the interrupt), it is
killed and a fresh one takes its place on the next query, so the app and every other query
carry on.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT
from tools.warehouse.duckdb_worker import peak_rss_bytes
from tools.warehouse.errors import SqlError

# What Python, DuckDB's code and the result in flight may use above DuckDB's memory_limit.
PROCESS_HEADROOM_BYTES = 512 * 1024**2
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]I?B|B)?\s*", re.IGNORECASE)
SETUP_HINT = "Build it with: cymbal setup"


def size_bytes(text: str) -> int:
    """``'500MB'`` -> 500000000, in DuckDB's units (KB = 1000, KiB = 1024)."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"Not a memory size: {text!r} (write e.g. 500MB or 4GB).")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").upper()])


def kill_deadline(timeout_s: float) -> float:
    """Seconds a worker gets to answer before it is killed: the timeout plus a grace."""
    return timeout_s * 1.5 + 0.5


class DuckDBProcess:
    """One worker process and the pipe to it; used by one thread at a time."""

    def __init__(self, path: Path, memory_limit: str) -> None:
        self.path = path
        self.memory_limit = memory_limit
        self._proc: subprocess.Popen[str] | None = None
        self.peak_rss = 0  # the highest peak resident memory seen of this worker, bytes

    def execute(self, sql: str, max_rows: int, timeout_s: float) -> dict[str, Any]:
        """Run ``sql`` in the worker: ``{"columns", "types", "rows"}`` or a ``SqlError``."""
        proc = self._started()
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps({"sql": sql, "max_rows": max_rows,
                                         "timeout_s": timeout_s}) + "\n")
            proc.stdin.flush()
        except OSError:
            self._stop()
            raise SqlError("execution_error", "The local warehouse process stopped; "
                           "retry the query.") from None
        reply = self._read(kill_deadline(timeout_s))
        if reply is None:
            self._stop()
            raise SqlError("timeout", f"The query ran longer than {timeout_s:g}s and was "
                           "stopped.", hint="Aggregate more or filter earlier.")
        self.peak_rss = max(self.peak_rss, int(reply.get("peak_rss", 0)))
        error = reply.get("error")
        if error == "timeout":
            raise SqlError("timeout", f"The query ran longer than {timeout_s:g}s and was "
                           "stopped.", hint="Aggregate more or filter earlier.")
        if error == "resource_limit":
            raise SqlError("resource_limit", "The query needed more memory than the local "
                           f"warehouse allows ({self.memory_limit}) and was stopped.",
                           hint="Aggregate more, filter earlier or generate less.")
        if error:
            raise SqlError(error, reply.get("message", error))
        return reply

    def close(self) -> None:
        self._stop()

    def _started(self) -> subprocess.Popen[str]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if not self.path.exists():
            raise SqlError("warehouse_missing", f"No warehouse at {self.path}.",
                           hint=SETUP_HINT)
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "tools.warehouse.duckdb_worker"],  # -P: not from cwd
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        assert self._proc.stdin is not None
        hard_cap = size_bytes(self.memory_limit) + PROCESS_HEADROOM_BYTES
        self._proc.stdin.write(json.dumps({"path": str(self.path.resolve()),
                                           "memory_limit": self.memory_limit,
                                           "hard_memory_bytes": hard_cap}) + "\n")
        self._proc.stdin.flush()
        ready = self._read(60.0)
        if ready is None or not ready.get("ready"):
            self._stop()
            self._raise_open_error(ready)
        return self._proc

    def _raise_open_error(self, reply: dict[str, Any] | None) -> None:
        message = (reply or {}).get("message", "the worker process did not start")
        if (reply or {}).get("error") == "warehouse_locked":
            raise SqlError("warehouse_locked", f"The warehouse {self.path} is being written "
                           "by another process.", hint="Wait for `cymbal setup`/`cymbal "
                           "enrich` to finish, then retry.")
        raise SqlError("warehouse_missing", f"Cannot open {self.path}: {message}",
                       hint=SETUP_HINT)

    def _read(self, wait_s: float) -> dict[str, Any] | None:
        """The worker's next reply, or None if it died or did not answer within ``wait_s``."""
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], wait_s)
        if not ready:
            return None
        line = self._proc.stdout.readline()
        if not line:  # the worker died (killed by the OS, or crashed)
            return {"error": "resource_limit"}
        return json.loads(line)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self.peak_rss = max(self.peak_rss, peak_rss_bytes(proc.pid))
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


class DuckDBProcessPool:
    """Up to ``size`` workers over one DuckDB file; each query takes an idle one."""

    def __init__(self, path: Path, memory_limit: str, size: int) -> None:
        self.path = path
        self.memory_limit = memory_limit
        self._idle: queue.LifoQueue[DuckDBProcess] = queue.LifoQueue()
        self._all: list[DuckDBProcess] = []
        self._size = size
        self._lock = threading.Lock()
        _POOLS.add(self)

    def execute(self, sql: str, max_rows: int, timeout_s: float) -> dict[str, Any]:
        worker = self._acquire()
        try:
            return worker.execute(sql, max_rows, timeout_s)
        finally:
            self._idle.put(worker)

    @property
    def peak_rss(self) -> int:
        """The highest peak resident memory of any worker so far, bytes."""
        return max((w.peak_rss for w in self._all), default=0)

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.close()

    def _acquire(self) -> DuckDBProcess:
        with self._lock:
            if self._idle.empty() and len(self._all) < self._size:
                worker = DuckDBProcess(self.path, self.memory_limit)
                self._all.append(worker)
                return worker
        return self._idle.get()


_POOLS: weakref.WeakSet[DuckDBProcessPool] = weakref.WeakSet()


def close_pools(path: Path) -> None:
    """Stop every worker this process runs on the file at ``path`` (whichever warehouse
    object started it), so the process can open the file for writing; they start again on
    the next query."""
    target = Path(path).resolve()
    for pool in list(_POOLS):
        if Path(pool.path).resolve() == target:
            pool.close()


def stop_stray_worker(pid: int) -> bool:
    """Stop worker ``pid`` if it is a DuckDB worker of this process or an orphan (its app is
    gone); False for anything else, such as a running app's worker."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    if b"tools.warehouse.duckdb_worker" not in command or parent not in (os.getpid(), 1):
        return False
    os.kill(pid, signal.SIGKILL)
    if parent == os.getpid():
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # its Popen already reaped it
            pass
    deadline = time.monotonic() + 5.0
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


__all__ = ["DuckDBProcess", "DuckDBProcessPool", "close_pools", "kill_deadline", "size_bytes",
           "stop_stray_worker"]
