"""The program that runs DuckDB queries in a process of its own, under a hard memory cap.

Started by ``tools.warehouse.duckdb_process`` as ``python -m tools.warehouse.duckdb_worker``
with one JSON line of options on stdin; then it reads one JSON request per line and writes
one JSON response per line. The process's data segment is capped (``RLIMIT_DATA``), so an
allocation DuckDB's ``memory_limit`` does not track (``generate_series``, ``repeat``) fails
inside DuckDB instead of exhausting the machine; a query past its timeout is interrupted
here, and the parent kills the whole process if that does not stop it.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import threading
import time
from typing import IO, Any

import duckdb

from tools.warehouse.base import json_safe

_HWM = re.compile(r"^VmHWM:\s+(\d+) kB", re.MULTILINE)
# Session settings applied before the configuration is locked.
SETUP_STATEMENTS = ("SET TimeZone = 'UTC'", "SET lock_configuration = true")


def peak_rss_bytes(pid: int | str = "self") -> int:
    """The peak resident memory of process ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            match = _HWM.search(status.read())
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


def _open(options: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    cap = int(options["hard_memory_bytes"])
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    con = duckdb.connect(options["path"], read_only=True, config={
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "ieee_floating_point_ops": False,
        "memory_limit": options["memory_limit"],
    })
    for statement in SETUP_STATEMENTS:
        con.execute(statement)
    return con


def _run(con: duckdb.DuckDBPyConnection, request: dict[str, Any]) -> dict[str, Any]:
    cursor = con.cursor()
    timer = threading.Timer(float(request["timeout_s"]), cursor.interrupt)
    timer.start()
    try:
        cursor.execute(request["sql"])
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        fetched = cursor.fetchmany(int(request["max_rows"]) + 1)
        rows = [[json_safe(v) for v in row] for row in fetched]
    except duckdb.InterruptException:
        return {"error": "timeout", "message": "interrupted"}
    except duckdb.OutOfMemoryException as err:
        return {"error": "resource_limit", "message": _message(err)}
    except (duckdb.Error, MemoryError) as err:
        kind = "resource_limit" if isinstance(err, MemoryError) else "execution_error"
        return {"error": kind, "message": _message(err)}
    finally:
        timer.cancel()
        cursor.close()
    return {"columns": columns, "types": types, "rows": rows, "peak_rss": peak_rss_bytes()}


def _message(err: BaseException) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:3])[:500] or type(err).__name__


def _reply(out: IO[str], message: dict[str, Any]) -> None:
    try:
        text = json.dumps(message, allow_nan=False)
    except MemoryError:
        text = json.dumps({"error": "resource_limit", "message": "the result is too large"})
    out.write(text + "\n")
    out.flush()


def _exit_with_parent(interval_s: float = 1.0) -> None:
    """End this worker when the process that started it is gone (a crashed or killed app
    must not leave a reader holding the warehouse's lock)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    _exit_with_parent()
    options = json.loads(sys.stdin.readline())
    try:
        con = _open(options)
    except duckdb.Error as err:
        locked = "lock" in str(err).lower()
        _reply(sys.stdout, {"error": "warehouse_locked" if locked else "warehouse_missing",
                            "message": _message(err)})
        return
    _reply(sys.stdout, {"ready": True})
    for line in sys.stdin:
        try:
            reply = _run(con, json.loads(line))
        except MemoryError:
            reply = {"error": "resource_limit", "message": "out of memory"}
        _reply(sys.stdout, reply)


if __name__ == "__main__":
    main()
