"""Every CSV the product writes is safe to open in a spreadsheet: formula-like text cells are
neutralised with a leading quote, numbers stay numbers — each writer fed a poisoned customer
(a formula for a name, another for a city) and its file read back with the csv module."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from typer.testing import CliRunner

from agent.runner import ChatService
from cli.main import app
from config.settings import Settings
from tests.exposure.conftest import PoisonedData
from tests.exposure.poison import FORMULA_CITY, FORMULA_NAME, FORMULA_SURNAME
from tests.exposure.scripted import run_turn
from tools.campaigns.delivery import export_campaign
from tools.csv_files import FORMULA_STARTS, write_csv
from tools.customers.pii import mask_email
from ui import campaigns
from ui.results import result_panel


def read_back(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def assert_nothing_runs(rows: list[dict[str, str]], numeric: set[str] = frozenset()) -> None:
    """No cell a spreadsheet would read as a formula; ``numeric`` columns may hold -3.5."""
    for row in rows:
        for column, cell in row.items():
            if column in numeric:
                float(cell)
            else:
                assert not cell.startswith(FORMULA_STARTS), (column, cell)


def check_review_sheet(path: Path, data: PoisonedData) -> None:
    rows = {int(r["customer_id"]): r for r in read_back(path)}
    p = data.poisoned
    assert_nothing_runs(list(rows.values()))
    named = rows[p.named]
    assert named["customer_name"] == f"'{FORMULA_NAME} {FORMULA_SURNAME}"
    assert FORMULA_NAME in named["subject"]  # the poison reached the drafted copy
    # a deliberate export for sending keeps the full address
    assert named["customer_email"] == p.named_email
    assert rows[p.located]["customer_email"] == p.located_email


def test_campaign_review_sheet_from_the_cli_and_the_ui(poisoned_settings: Settings,
                                                       poisoned_data: PoisonedData) -> None:
    p = poisoned_data.poisoned
    runner = CliRunner()
    created = runner.invoke(app, ["campaign", "create", "--ids", f"{p.named},{p.located}",
                                  "--yes"])
    assert created.exit_code == 0, created.output
    exported = runner.invoke(app, ["campaign", "export", "1", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    sheets = list(poisoned_settings.exports_dir.rglob("emails.csv"))
    assert len(sheets) == 1
    check_review_sheet(sheets[0], poisoned_data)

    files, message = campaigns.export_files(1, ("csv",))
    assert len(files) == 1, message
    check_review_sheet(Path(files[0]), poisoned_data)
    again = Path(export_campaign(1, ["csv"]).files["csv"])  # a new export, its own folder
    assert again.name == Path(files[0]).name  # (named by the second it ran: not compared)
    check_review_sheet(again, poisoned_data)


def test_the_chat_table_download(poisoned_settings: Settings,
                                 poisoned_data: PoisonedData, tmp_path: Path) -> None:
    """run_sql through the agent, then the UI result panel's CSV download."""
    p = poisoned_data.poisoned
    sql = ("SELECT c.customer_id, c.first_name, c.last_name, c.address_city, c.email, "
           "-3.5 AS delta, CONCAT('-', c.gender) AS note, CONCAT('+', c.last_name) AS plus "
           f"FROM cymbal.customers AS c WHERE c.customer_id IN ({p.named}, {p.located}) "
           "ORDER BY c.customer_id")
    calls, _ = run_turn(poisoned_settings, "a table", [("run_sql", {"sql": sql})])
    panel = result_panel("poisoned customers", calls, tmp_path, "t1")
    assert panel.csv_path is not None
    rows = read_back(panel.csv_path)
    assert_nothing_runs(rows, numeric={"customer_id", "delta"})
    by_id = {int(r["customer_id"]): r for r in rows}
    assert by_id[p.named]["first_name"] == f"'{FORMULA_NAME}"
    assert by_id[p.named]["last_name"] == f"'{FORMULA_SURNAME}"
    assert by_id[p.located]["address_city"] == f"'{FORMULA_CITY}"
    assert by_id[p.named]["email"] == mask_email(p.named_email)
    assert {r["delta"] for r in rows} == {"-3.5"}  # a negative number stays a number
    assert all(r["note"].startswith("'-") for r in rows)  # text that starts with '-' does not


def test_a_review_quoted_in_a_download(poisoned_settings: Settings,
                                       poisoned_data: PoisonedData, tmp_path: Path) -> None:
    """The offline agent's customer 360: the poisoned review (text starting with '-') in the
    reviews table the UI offers as a CSV."""
    p = poisoned_data.poisoned
    turn = asyncio.run(ChatService(poisoned_settings).ask(f"look up customer {p.named}"))
    assert [c.name for c in turn.tool_calls] == ["lookup_customer"]
    panel = result_panel("customer", turn.tool_calls, tmp_path, "t2")
    assert panel.csv_path is not None
    rows = read_back(panel.csv_path)
    assert_nothing_runs(rows, numeric={"product_id", "rating"})
    assert any(r["review_text"].startswith("'-The lid leaks") for r in rows)


def test_the_rules_of_the_one_writer(tmp_path: Path) -> None:
    """Each trigger character, numbers as values and as text, and a poisoned header."""
    path = write_csv(tmp_path / "t.csv", ["name", "amount", "code", "=cmd"], [
        ["=1+1", -3.5, "-3.5", "@x"],
        ["+1 555", "-2", "-x", "\tTAB"],
        ["\rCR", None, "ok", "plain"],
    ])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["name", "amount", "code", "'=cmd"]
    assert rows == [["'=1+1", "-3.5", "'-3.5", "'@x"],  # "-3.5" in a text column is text
                    ["'+1 555", "-2", "'-x", "'\tTAB"],
                    ["'\rCR", "", "ok", "plain"]]
