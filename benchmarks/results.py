"""How benchmark scripts hand their figures to ``cymbal bench``: rows of (measure, value,
note) plus raw data, as JSON at the path given with ``--json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.machine import peak_rss_mb

Row = tuple[str, str, str]  # measure, value, note


def p50_p95(values_ms: Sequence[float]) -> str:
    values = np.asarray(values_ms, dtype=float)
    if values.size == 0:
        return "-"
    return f"{np.percentile(values, 50):,.0f} / {np.percentile(values, 95):,.0f} ms"


def write_results(path: Path | None, benchmark: str, rows: list[Row],
                  data: dict[str, Any]) -> None:
    """Print the rows; write them (and ``data``) as JSON when ``path`` is given."""
    for measure, value, note in rows:
        print(f"  {measure:<44} {value:>22}  {note}")
    if path is not None:
        payload = {"benchmark": benchmark, "rows": rows, "data": data,
                   "peak_rss_mb": peak_rss_mb()}
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str),
                        encoding="utf-8")
