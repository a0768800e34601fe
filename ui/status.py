"""The status line: which model answers, which warehouse it reads, how fresh the data is."""

from __future__ import annotations

import html

from config.model_choice import ModelChoice
from tools.warehouse import Warehouse


def status_html(model: ModelChoice, warehouse: Warehouse) -> str:
    fresh = warehouse.freshness()
    freshness = fresh.strftime("data built %Y-%m-%d %H:%M") if fresh else "no data built yet"
    kind = {"offline": "offline", "gemini": "gemini", "litellm": "litellm"}[model.kind]
    return (
        '<div class="status-line">'
        f'<span class="pill pill-{kind}" title="{html.escape(model.reason)}">'
        f'Model: {html.escape(model.label)}</span>'
        f'<span class="pill">Warehouse: {html.escape(warehouse.describe())}</span>'
        f'<span class="pill">{html.escape(freshness)}</span></div>'
    )
