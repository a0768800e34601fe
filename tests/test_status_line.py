"""The header's status line names the model and the warehouse in a marketer's words: the
local warehouse's file path stays in the log, never on the page."""

from __future__ import annotations

import logging

from config.model_choice import choose_model
from tools.warehouse import get_warehouse
from ui.status import status_html


def test_the_status_line_shows_no_server_path(settings, caplog) -> None:
    warehouse = get_warehouse()
    with caplog.at_level(logging.INFO, logger="ui.status"):
        line = status_html(choose_model(settings), warehouse)
    assert "Warehouse: local DuckDB" in line
    assert str(settings.data_dir) not in line and ".duckdb" not in line
    assert str(settings.data_dir) in caplog.text  # where it is, for whoever runs the server
