"""Faults around the agent: the warehouse missing or locked by a writer in another process,
vector and value indexes missing or damaged, the offline model failing, and Gemini failing in
the middle of a turn (429s, timeouts, garbage) through the local stub. Each is answered with a
clear message instead of a crash, and the next question works again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings
from tests.conftest import SMALL_SCALE, reset_caches
from tests.gemini_stub import (
    GeminiStub,
    Reply,
    call_reply,
    error_reply,
    text_reply,
    use_gemini_stub,
)
from tests.reliability.conftest import converse, env_chat, offline_chat

COUNT_BUSAN = "How many customers live in Busan?"
SETUP_AGAIN = ["setup", "--scale", str(SMALL_SCALE)]
_WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("CREATE TABLE reliability_probe (x INTEGER)")
print("locked", flush=True)
sys.stdin.read()  # hold the write lock until the test closes stdin
"""

_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.read()  # keep the warehouse open, as the running app does
"""


_APP_KILLED = """
import sys
from pathlib import Path
from tools.warehouse.duckdb_backend import DuckDBWarehouse
warehouse = DuckDBWarehouse(Path(sys.argv[1]))
warehouse.run_query("SELECT COUNT(*) FROM cymbal.customers")  # its read worker holds the file
print("reading", flush=True)
sys.stdin.read()
"""


def answered_with_sql(turn) -> bool:  # noqa: ANN001 - a TurnResult
    return any(c.name == "run_sql" and c.ok for c in turn.tool_calls)


def test_missing_warehouse_names_cymbal_setup(own_data: Settings) -> None:
    own_data.duckdb_path.unlink()
    [turn] = converse(offline_chat(own_data), COUNT_BUSAN)
    assert "No warehouse" in turn.answer and "cymbal setup" in turn.answer
    reply = json.loads(CliRunner().invoke(app, ["ask", COUNT_BUSAN, "--json"]).stdout)
    assert "cymbal setup" in reply["answer"] and reply["tool_calls"] == []


def test_warehouse_locked_by_a_writer_then_released(own_data: Settings) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(own_data.duckdb_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
        chat = offline_chat(own_data)
        [turn] = converse(chat, COUNT_BUSAN)
        assert "being written by another process" in turn.answer and not answered_with_sql(turn)
        sql = CliRunner().invoke(app, ["sql", "SELECT 1 AS one", "--json"])
        assert sql.exit_code == 1 and json.loads(sql.stdout)["error"] == "warehouse_locked"
    finally:
        assert writer.stdin is not None
        writer.stdin.close()
        writer.wait(timeout=30)
    [again] = converse(chat, COUNT_BUSAN)  # the same service recovers once the lock is gone
    assert answered_with_sql(again) and "Busan" in again.answer


def test_setup_while_the_app_reads_the_warehouse_says_what_holds_it(own_data: Settings) -> None:
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(own_data.duckdb_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        result = CliRunner().invoke(app, SETUP_AGAIN)  # the data's own scale: up to date
        assert result.exit_code == 1, result.output
        assert f"open in another process (PID {reader.pid})" in result.output
        assert "Traceback" not in result.output
    finally:
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait(timeout=30)
    assert CliRunner().invoke(app, SETUP_AGAIN).exit_code == 0  # free again: setup completes


def test_a_killed_app_leaves_no_reader_holding_the_warehouse(own_data: Settings) -> None:
    """An app killed by the OS (no clean shutdown) takes its query workers with it: setup can
    write the warehouse right after."""
    app_process = subprocess.Popen([sys.executable, "-c", _APP_KILLED, str(own_data.duckdb_path)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert app_process.stdout is not None and app_process.stdout.readline().strip() == "reading"
    app_process.kill()
    app_process.wait(timeout=30)
    result = CliRunner().invoke(app, SETUP_AGAIN)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_vector_index_missing_or_corrupt_degrades(own_data: Settings, damage: str) -> None:
    from tools.reviews.tools import search_reviews

    chroma = own_data.chroma_dir
    if damage == "missing":
        shutil.rmtree(chroma)
    else:
        (chroma / "chroma.sqlite3").write_bytes(b"this is not a database" * 2000)
    [turn] = converse(offline_chat(own_data), COUNT_BUSAN)  # SQL needs no index
    assert answered_with_sql(turn) and "Busan" in turn.answer
    found = search_reviews("reviews about broken zippers")
    assert found["error"] == ("index_missing" if damage == "missing" else "index_unreadable")
    assert any("cymbal setup" in s for s in found["suggestions"])
    [search] = converse(offline_chat(own_data), "Show me reviews complaining about quality")
    assert "Traceback" not in search.answer and search.answer.strip()


def test_corrupt_value_index_is_read_from_the_warehouse(own_data: Settings) -> None:
    (own_data.data_dir / "value_index.json").write_text("{not json", encoding="utf-8")
    [turn] = converse(offline_chat(own_data), COUNT_BUSAN)
    assert answered_with_sql(turn) and "Busan" in turn.answer


def test_an_offline_model_failure_is_reported_as_such(own_data: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planner exploded")

    chat = offline_chat(own_data)
    session = chat.new_session_id()
    with monkeypatch.context() as patch:
        patch.setattr("agent.offline.llm.plan_next_step", broken)
        [failed] = converse(chat, COUNT_BUSAN, session=session)
    assert failed.answer == "The offline model could not answer: RuntimeError: planner exploded"
    [again] = converse(chat, COUNT_BUSAN, session=session)
    assert answered_with_sql(again)


@pytest.mark.parametrize("failure, code", [
    ([error_reply(429, "quota")] * 2, "rate_limited"),  # retried once (the setting), then given up
    ([Reply(delay_s=3, body={})], "timeout"),  # a timeout is not retried
    ([Reply(raw=b"<html>502 proxy error</html>")], "server"),  # nor is a reply that is not JSON
])
def test_gemini_failing_mid_turn_after_a_real_tool_call(
        own_data: Settings, monkeypatch: pytest.MonkeyPatch, failure: list[Reply],
        code: str) -> None:
    """The model calls run_sql on the real warehouse, then fails for good: the user gets a
    clear message, the tool call is kept, and the same conversation goes on afterwards."""
    sql = "SELECT COUNT(*) AS customers FROM cymbal.customers AS c WHERE c.address_city = 'Busan'"
    script = [call_reply("run_sql", {"sql": sql}), *failure, text_reply("Busan has them.")]
    with GeminiStub(script=script) as stub:
        use_gemini_stub(monkeypatch, stub.base_url, CYMBAL_MODEL_MAX_RETRIES="1",
                        CYMBAL_MODEL_TIMEOUT_S="1")
        chat = env_chat()
        first, second = converse(chat, COUNT_BUSAN, "And now?")
    assert [c.name for c in first.tool_calls] == ["run_sql"] and first.tool_calls[0].ok
    assert first.answer.startswith(f"The model call failed ({code})")
    assert second.answer == "Busan has them."


def test_cli_ask_keeps_its_json_contract_when_gemini_fails(
        own_data: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with GeminiStub(script=[error_reply(429)] * 3) as stub:
        use_gemini_stub(monkeypatch, stub.base_url, CYMBAL_MODEL_MAX_RETRIES="1")
        result = CliRunner().invoke(app, ["ask", COUNT_BUSAN, "--json"])
    reset_caches()
    reply = json.loads(result.stdout)
    assert result.exit_code == 0
    assert set(reply) >= {"answer", "tool_calls", "sql", "columns", "rows", "model",
                          "session_id"}
    assert "rate_limited" in reply["answer"] and reply["model"].startswith("Gemini")
