"""What the evaluation scripts print: progress on stderr (flushed, so a log file shows it as
it happens), then the report as Markdown, and optionally its JSON beside."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol


class Report(Protocol):
    def to_markdown(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


def progress(n: int, total: int) -> None:
    print(f"\r{n}/{total}", end="", file=sys.stderr, flush=True)


def publish(report: Report, json_path: Path | None) -> None:
    print(file=sys.stderr)
    print(report.to_markdown())
    if json_path:
        json_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1),
                             encoding="utf-8")
