"""Writing tables into the embedded DuckDB warehouse.

Base data is built into a side file and moved into place in one step, so a reader never
sees a half-built warehouse. Derived tables are added later through ``open_for_update``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from tools.warehouse.duckdb_process import close_pools, stop_stray_worker
from tools.warehouse.schema import TableSpec, conform, specs_for

META_TABLE = "_build_info"
Progress = Callable[[str], None]


def write_table(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, spec: TableSpec,
                table_name: str | None = None) -> int:
    """Create (or replace) one table from ``frame`` with the spec's column types."""
    name = table_name or spec.name
    spec = spec.fitted(frame.columns)
    con.execute(spec.duckdb_ddl(name))
    data = conform(frame, spec)
    con.register("_incoming", data)
    try:
        con.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
    finally:
        con.unregister("_incoming")
    return len(data)


def write_meta(con: duckdb.DuckDBPyConnection, **info: object) -> None:
    """Record build facts (source, scale, seed, built_at) in the hidden meta table."""
    con.execute(f'CREATE TABLE IF NOT EXISTS "{META_TABLE}" (key VARCHAR PRIMARY KEY, value VARCHAR)')
    info.setdefault("built_at", dt.datetime.now().isoformat(timespec="seconds"))
    for key, value in info.items():
        con.execute(f'INSERT OR REPLACE INTO "{META_TABLE}" VALUES (?, ?)',
                    [key, json.dumps(value, default=str)])


def write_base_tables(path: Path, frames: dict[str, pd.DataFrame], progress: Progress | None = None,
                      **meta: object) -> dict[str, int]:
    """Replace the warehouse at ``path`` with ``frames`` (documented tables only)."""
    schema = specs_for(list(frames))
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(building))
    try:
        for name, frame in frames.items():
            if progress:
                progress(f"writing {name} ({len(frame):,} rows)")
            counts[name] = write_table(con, frame, schema[name])
        write_meta(con, tables=counts, **meta)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(building, path)
    return counts


class WarehouseBusyError(OSError):
    """The warehouse cannot be updated: another process has it open."""


def _connect_for_update(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection; a leftover read worker holding the lock is stopped once."""
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as err:
        holder = re.search(r"\(PID (\d+)\)", str(err))
        if "lock" not in str(err).lower() or not holder or \
                not stop_stray_worker(int(holder.group(1))):
            raise
    return duckdb.connect(str(path))


@contextmanager
def open_for_update(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to an existing warehouse, for derived tables."""
    if not path.exists():
        raise FileNotFoundError(f"No warehouse at {path}. Build it with: cymbal setup")
    close_pools(path)  # this process's own readers would hold the file's lock
    try:
        con = _connect_for_update(path)
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        holder = re.search(r"\(PID (\d+)\)", str(err))
        raise WarehouseBusyError(
            f"The warehouse {path} is open in another process"
            f"{f' (PID {holder.group(1)})' if holder else ''}, such as the running app or "
            "another cymbal command. Stop it, then run the command again.") from None
    try:
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()


def read_meta(path: Path) -> dict[str, object]:
    """The build facts of the warehouse at ``path`` (empty if none were recorded)."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?",
                             [META_TABLE]).fetchone()[0]
        if not exists:
            return {}
        return {k: json.loads(v) for k, v in con.execute(f'SELECT key, value FROM "{META_TABLE}"').fetchall()}
    finally:
        con.close()
