"""A local BigQuery for tests: bqemulator as a subprocess from its own virtualenv.

``scripts/install_bqemulator.sh`` creates that virtualenv (its DuckDB pin differs from the
project's). ``BigQueryEmulator`` starts the emulator on free localhost ports, waits until
it answers ``/readyz`` and stops it again; ``emulator_client`` points the real
google-cloud-bigquery client at it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery import client as bigquery_client

DEFAULT_VENV = Path.home() / ".cache" / "cymbal" / "bqemu-venv"
INSTALL_HINT = "bash scripts/install_bqemulator.sh"


def emulator_venv() -> Path:
    """Where the emulator's virtualenv lives (``CYMBAL_BQEMU_VENV`` overrides)."""
    return Path(os.environ.get("CYMBAL_BQEMU_VENV") or DEFAULT_VENV)


def emulator_executable() -> Path | None:
    """The ``bqemulator`` command of that virtualenv, if it is installed."""
    path = emulator_venv() / "bin" / "bqemulator"
    return path if path.is_file() and os.access(path, os.X_OK) else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emulator_client(endpoint: str, project: str) -> bigquery.Client:
    """The real BigQuery client, anonymous, talking to the emulator at ``endpoint``."""
    return bigquery.Client(project=project, credentials=AnonymousCredentials(),
                           client_options=ClientOptions(api_endpoint=endpoint))


@contextlib.contextmanager
def emulator_uploads() -> Iterator[None]:
    """Let load jobs reach the emulator.

    The client uploads load-job data with the media type ``*/*``, which BigQuery accepts
    and bqemulator 1.4.0 rejects ("unsupported Content-Type"); for the duration, the
    client declares ``application/octet-stream`` instead, a type both accept.
    """
    saved = bigquery_client._GENERIC_CONTENT_TYPE
    bigquery_client._GENERIC_CONTENT_TYPE = "application/octet-stream"
    try:
        yield
    finally:
        bigquery_client._GENERIC_CONTENT_TYPE = saved


class BigQueryEmulator:
    """One bqemulator process serving an in-memory BigQuery on localhost."""

    def __init__(self, executable: Path, project: str = "cymbal-test",
                 startup_timeout_s: float = 30.0) -> None:
        self.executable = executable
        self.project = project
        self.startup_timeout_s = startup_timeout_s
        self.rest_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def client(self) -> bigquery.Client:
        return emulator_client(self.endpoint, self.project)

    def start(self, attempts: int = 3) -> None:
        """Start on fresh free ports (retrying if another process grabbed one)."""
        for attempt in range(attempts):
            try:
                self._start_once()
                return
            except RuntimeError:
                self.stop()
                if attempt == attempts - 1:
                    raise

    def stop(self) -> None:
        """Stop the emulator process, politely first."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the emulator's output, for error messages."""
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_bytes()[-chars:].decode("utf-8", "replace")

    def __enter__(self) -> BigQueryEmulator:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _start_once(self) -> None:
        self.rest_port, grpc_port = free_port(), free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="bqemu-", suffix=".log")  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(self.executable), "start", "--rest-port", str(self.rest_port),
             "--grpc-port", str(grpc_port), "--project", self.project,
             "--ephemeral", "--log-level", "warning", "--log-format", "json"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"bqemulator exited with code {self._process.returncode}:\n"
                                   f"{self.log_tail()}")
            if self._ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"bqemulator did not answer within {self.startup_timeout_s:g}s:\n"
                           f"{self.log_tail()}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/readyz", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False
