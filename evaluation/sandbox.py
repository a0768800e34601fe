"""A scratch data folder for evaluation: the real warehouse and indexes, a fresh app database.

Evalset conversations create, approve and export campaigns. Run in a sandbox they read the
configured data (the warehouse file, vector indexes and value index are linked, not copied)
but write campaigns, sessions and exports into a temporary folder that is removed afterwards,
so ``cymbal eval`` never adds campaigns to the marketer's own list.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config.settings import Settings, get_settings

WRITTEN = {"app.db", "sessions.db", "exports", "reports"}  # what evaluation may write


def _reset() -> None:
    from tools.warehouse import get_warehouse

    get_warehouse().close()
    get_warehouse.cache_clear()
    get_settings.cache_clear()


@contextmanager
def sandbox(settings: Settings | None = None) -> Iterator[Settings]:
    """Process settings pointing at a scratch copy of the data folder, while inside."""
    source = (settings or get_settings()).data_dir.resolve()
    previous = os.environ.get("CYMBAL_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="cymbal-eval-") as tmp:
        folder = Path(tmp)
        for entry in source.iterdir() if source.exists() else ():
            # a database's companions (-wal, -shm, -journal) stay behind with it
            if entry.name.split("-")[0] not in WRITTEN:
                (folder / entry.name).symlink_to(entry)
        _reset()
        os.environ["CYMBAL_DATA_DIR"] = str(folder)
        try:
            yield get_settings()
        finally:
            _reset()
            if previous is None:
                os.environ.pop("CYMBAL_DATA_DIR", None)
            else:
                os.environ["CYMBAL_DATA_DIR"] = previous
