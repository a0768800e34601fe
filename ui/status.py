"""The status line: which model answers, which warehouse it reads, how fresh the data is."""

from __future__ import annotations

import html
import logging

from config.model_choice import ModelChoice
from tools.warehouse import Warehouse

log = logging.getLogger(__name__)


def status_html(model: ModelChoice, warehouse: Warehouse) -> str:
    """The header's pills; the warehouse by engine and dataset (its file path is logged)."""
    log.info("warehouse: %s", warehouse.describe())
    fresh = warehouse.freshness()
    freshness = fresh.strftime("data built %Y-%m-%d %H:%M") if fresh else "no data built yet"
    kind = {"offline": "offline", "gemini": "gemini", "litellm": "litellm"}[model.kind]
    return (
        '<div class="status-line">'
        f'<span class="pill pill-{kind}" title="{html.escape(model.reason)}">'
        f'Model: {html.escape(model.label)}</span>'
        f'<span class="pill">Warehouse: {html.escape(warehouse.label())}</span>'
        f'<span class="pill">{html.escape(freshness)}</span></div>'
    )
