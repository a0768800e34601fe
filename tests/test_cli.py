"""The `cymbal` command: setup is idempotent; sql runs the safe path and reports errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_sql_json_contract(settings):
    result = runner.invoke(app, ["sql", "SELECT gender, COUNT(*) AS n FROM cymbal.customers "
                                 "GROUP BY gender ORDER BY gender", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["columns"] == ["gender", "n"]
    assert [row[0] for row in payload["rows"]] == ["Female", "Male", "Other"]
    assert sum(row[1] for row in payload["rows"]) == 2_000
    assert payload["truncated"] is False


def test_sql_row_cap_sets_truncated(settings):
    result = runner.invoke(app, ["sql", "SELECT customer_id FROM customers", "--json",
                                 "--max-rows", "7"])
    payload = json.loads(result.stdout)
    assert len(payload["rows"]) == 7 and payload["truncated"] is True


def test_sql_refusal_exits_nonzero_with_structured_error(settings):
    result = runner.invoke(app, ["sql", "DELETE FROM customers WHERE TRUE", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "not_a_query"

    result = runner.invoke(app, ["sql", "SELECT cty FROM customers", "--json"])
    error = json.loads(result.stdout)
    assert result.exit_code == 1
    assert error["error"] == "unknown_column"
    assert "customers.address_city" in error["suggestions"]


def test_missing_warehouse_says_how_to_build_it(tmp_path, monkeypatch):
    from tests.conftest import reset_caches

    monkeypatch.setenv("CYMBAL_DATA_DIR", str(tmp_path / "empty"))
    reset_caches()
    try:
        result = runner.invoke(app, ["sql", "SELECT 1 AS one", "--json"])
    finally:
        reset_caches()
    error = json.loads(result.stdout)
    assert result.exit_code == 1
    assert error["error"] == "warehouse_missing"
    assert "cymbal setup" in error["hint"]


def test_setup_is_idempotent(settings):
    result = runner.invoke(app, ["setup", "--scale", "0.2"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
