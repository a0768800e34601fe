"""A logged start shows its progress as it goes (issue 17, item 11: with
``scripts/start.sh > start.log 2>&1`` nothing appeared for minutes, then every progress bar
at once).

The real ``cymbal setup`` runs in its own process with its output going to a pipe, as to a
log file; each line is read the moment it arrives.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT
from pipeline.progress import LineReporter

pytestmark = pytest.mark.slow
PROGRESS = re.compile(r"^indexing reviews\b.*?([\d,]+)/([\d,]+)")
INDEX_BUILT = "review index (built)"


def test_setup_writing_to_a_pipe_prints_progress_lines_while_it_works(
        built_data_dir: Path, tmp_path: Path) -> None:
    """The review index is rebuilt (its folder is gone from a copy of the built data): its
    progress lines arrive while setup is still running, before the step's own summary and
    with counts between the start and the end, not all at once when the process exits."""
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir, ignore=shutil.ignore_patterns(
        "chroma", "app.db", "sessions.db", "exports", "*.log"))
    env = {**os.environ, "CYMBAL_DATA_DIR": str(data_dir), "CYMBAL_MODEL": "offline",
           "CYMBAL_ENRICHMENT_MODEL": "offline", "COLUMNS": "200"}
    env.pop("FORCE_COLOR", None)
    env.pop("FORCE_TERMINAL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "setup", "--scale", "0.2"], cwd=PROJECT_ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert process.stdout is not None
    lines: list[tuple[str, bool]] = []  # (line, whether setup was still running when it came)
    started = time.monotonic()
    for line in process.stdout:
        lines.append((line.rstrip("\n"), process.poll() is None))
        assert time.monotonic() - started < 600, "setup took over ten minutes"
    assert process.wait(timeout=60) == 0, "\n".join(text for text, _ in lines)

    texts = [text for text, _ in lines]
    log = "\n".join(texts)
    built_at = next((i for i, text in enumerate(texts) if text.startswith(INDEX_BUILT)), None)
    assert built_at is not None, log
    progress = [(i, PROGRESS.match(text), running) for i, (text, running) in enumerate(lines)
                if PROGRESS.match(text)]
    assert progress, f"no progress line for the review index:\n{log}"
    assert all(running for _, _, running in progress), log
    assert all(i < built_at for i, _, _ in progress), \
        f"progress lines came only after the step had finished:\n{log}"
    counts = [(int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
              for _, m, _ in progress]
    assert any(0 < done < total for done, total in counts), log  # seen mid-way, not only ends
    assert counts[-1][0] == counts[-1][1], log
    # plain lines for a log: no cursor movement or colour codes
    assert "\x1b[" not in log


def test_line_reporter_writes_a_line_per_tenth_and_the_end_once() -> None:
    """The log stays readable: a stage's start, each further tenth, its end — once each —
    and nothing for a stage with nothing to do."""
    log = io.StringIO()
    with LineReporter(log, min_gap_s=0) as reporter:
        reporter.update("analysing reviews", 0, 0)
        for done in (0, 10, 256, 300, 512, 600, 600):
            reporter.update("indexing reviews", done, 600)
        reporter.note("review index (built): 600 reviews")
    *progress, note = log.getvalue().splitlines()
    assert [line.rsplit(" ", 1)[0] for line in progress] == [
        "indexing reviews 0/600 (0%)", "indexing reviews 256/600 (42%)",
        "indexing reviews 300/600 (50%)", "indexing reviews 512/600 (85%)",
        "indexing reviews 600/600 (100%)"]
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", line.rsplit(" ", 1)[1]) for line in progress)
    assert note == "review index (built): 600 reviews"
