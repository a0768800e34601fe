"""Progress reporting for long builds: a small interface and a terminal implementation."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


class Reporter(Protocol):
    """Receives progress from long-running work."""

    def update(self, stage: str, done: int, total: int) -> None:
        """``done`` of ``total`` units of ``stage`` are finished."""

    def note(self, message: str) -> None:
        """A one-line remark worth showing."""


class NullReporter:
    """Discards progress (tests, library use)."""

    def update(self, stage: str, done: int, total: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class TerminalReporter:
    """Rich progress bars, one per stage, on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(TextColumn("{task.description:<28}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  console=self.console, transient=False)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> TerminalReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=max(total, 1))
        self._progress.update(self._tasks[stage], completed=done, total=max(total, 1))

    def note(self, message: str) -> None:
        self._progress.console.print(message)
