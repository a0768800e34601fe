"""Progress reporting for long builds: a small interface, live bars on a terminal, and
plain lines for logs and pipes.

A live bar redraws itself in place, which a log file cannot show: redirected, rich prints
nothing until the bars stop, so ``scripts/start.sh > start.log`` stayed silent for minutes
and then printed every bar at once. ``console_reporter`` picks the bars on a terminal and
``LineReporter`` elsewhere — one line per step of progress, flushed as it is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol, TextIO

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


@dataclass
class _StageLine:
    """What a stage last showed, so its next line is written only when worth reading."""

    started: float
    shown_at: float = 0.0
    shown_done: int = -1
    shown_tenth: int = -1


class LineReporter:
    """Progress as plain lines — ``indexing reviews 1,200/3,000 (40%) 0:00:43`` — each
    flushed as it is written: at a stage's start, at each further tenth of the way (at most
    one line per ``min_gap_s``), at least every ``every_s`` seconds while it moves, and at
    its end."""

    def __init__(self, stream: TextIO, every_s: float = 15.0, min_gap_s: float = 2.0) -> None:
        self.stream = stream
        self.every_s = every_s
        self.min_gap_s = min_gap_s
        self._stages: dict[str, _StageLine] = {}

    def __enter__(self) -> LineReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return  # nothing to do in this stage: its step's summary says so
        now = time.monotonic()
        line = self._stages.setdefault(stage, _StageLine(started=now))
        tenth = min(done, total) * 10 // total
        since = now - line.shown_at
        if done == line.shown_done or not (
                line.shown_done < 0 or done >= total or since >= self.every_s
                or (tenth > line.shown_tenth and since >= self.min_gap_s)):
            return
        line.shown_at, line.shown_done, line.shown_tenth = now, done, tenth
        self._write(f"{stage} {done:,}/{total:,} ({min(done, total) * 100 // total}%) "
                    f"{_clock(now - line.started)}")

    def note(self, message: str) -> None:
        self._write(message)

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    """Elapsed time as h:mm:ss."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def console_reporter(console: Console) -> TerminalReporter | LineReporter:
    """Live bars when ``console`` is a terminal, plain flushed lines when it is a file or a
    pipe (a logged start)."""
    if console.is_terminal:
        return TerminalReporter(console)
    return LineReporter(console.file)
