"""The evalsets (evals/*.evalset.json) through ADK's own AgentEvaluator on the offline model,
the trajectory metric that compares only the arguments an expected call names, and
``cymbal eval``'s report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.adk.evaluation.agent_evaluator import AgentEvaluator
from google.adk.evaluation.eval_set import EvalSet
from google.genai import types
from typer.testing import CliRunner

from cli.main import app
from config.settings import Settings
from evaluation.evalsets import CONFIG_PATH, EVALSET_DIR, evalset_paths, load_config
from evaluation.sandbox import sandbox
from evaluation.trajectory import in_order, same_arg
from tests.conftest import reset_caches
from tests.gemini_stub import GeminiStub, text_reply, use_gemini_stub
from tools.registry import agent_tools


def call(name: str, **args: object) -> types.FunctionCall:
    return types.FunctionCall(name=name, args=args)


def test_arguments_compare_as_a_person_reads_them() -> None:
    assert same_arg(1123, "1123") and same_arg(1123, "customer 1123")
    assert same_arg(1570, "고객 1570") and not same_arg(1570, "1570 or 1571")
    assert same_arg("Seoul", " seoul ") and not same_arg("Seoul", "Busan")
    assert same_arg(True, "true") and not same_arg(True, False)
    assert same_arg([1, 2], ["1", "2"]) and not same_arg([1, 2], [2, 1])


def test_in_order_compares_only_the_named_arguments() -> None:
    actual = [call("get_sql_context", question="q"), call("run_sql", sql="SELECT 1"),
              call("draft_email", customer_id=1123, language="ko", tone="warm")]
    assert in_order([call("run_sql"), call("draft_email", customer_id="1123")], actual)
    assert in_order([call("draft_email", language="ko")], actual)
    assert not in_order([call("draft_email", language="en")], actual)
    assert not in_order([call("draft_email"), call("run_sql")], actual)  # order matters
    assert not in_order([call("run_sql"), call("run_sql")], actual)  # each call counts once


def test_every_registered_tool_is_covered_in_english_and_korean() -> None:
    expected: dict[str, set[str]] = {}
    for path in evalset_paths():
        eval_set = EvalSet.model_validate_json(path.read_text(encoding="utf-8"))
        for case in eval_set.eval_cases:
            for turn in case.conversation or []:
                text = "".join(p.text or "" for p in turn.user_content.parts or [])
                lang = "ko" if any("\uac00" <= ch <= "\ud7a3" for ch in text) else "en"
                for use in turn.intermediate_data.tool_uses:
                    expected.setdefault(use.name, set()).add(lang)
    tools = {tool.__name__ for tool in agent_tools()}
    assert tools <= set(expected), f"tools without an eval turn: {sorted(tools - set(expected))}"
    assert set(expected) <= tools, "evalsets name tools that do not exist"
    english_only = sorted(t for t, langs in expected.items() if "ko" not in langs)
    assert len(english_only) <= 3, english_only


def test_the_config_uses_in_order_trajectories_and_no_judge_model() -> None:
    config = load_config(CONFIG_PATH)
    names = config.criteria["tool_trajectory_avg_score"]
    assert names.match_type == "IN_ORDER" and names.ignore_args is True
    assert set(config.criteria) == {"tool_trajectory_avg_score", "tool_trajectory_args_score"}


@pytest.fixture()
def offline_root_agent(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``agent.agent.root_agent`` on the offline model, in a scratch copy of the data folder
    (the campaign conversations create campaigns)."""
    import agent.agent as agent_module
    from agent.models import build_model

    with sandbox(settings) as scratch:
        monkeypatch.setattr(agent_module, "root_agent",
                            agent_module.build_root_agent(model=build_model(scratch)))
        yield


@pytest.mark.parametrize("path", evalset_paths(), ids=lambda p: p.name)
def test_evalset_passes_through_adk_agent_evaluator(offline_root_agent: None, path: Path) -> None:
    asyncio.run(AgentEvaluator.evaluate(agent_module="agent",
                                        eval_dataset_file_path_or_dir=str(path), num_runs=1,
                                        print_detailed_results=False))


def small_evalset(folder: Path) -> Path:
    """The first case of the data-questions evalset (three turns), as its own file."""
    source = EvalSet.model_validate_json(
        (EVALSET_DIR / "data_questions.evalset.json").read_text(encoding="utf-8"))
    path = folder / "small.evalset.json"
    path.write_text(source.model_copy(update={"eval_cases": source.eval_cases[:1]})
                    .model_dump_json(), encoding="utf-8")
    return path


def eval_report(folder: Path, *args: str) -> dict[str, Any]:
    out = folder / "reports"
    result = CliRunner().invoke(app, ["eval", "--no-sql", "--out", str(out),
                                      "--evalset", str(small_evalset(folder)), *args])
    assert result.exit_code == 0, result.output
    markdown = next(out.glob("eval-*.md")).read_text(encoding="utf-8")
    assert "Tool trajectories" in markdown and "latency p50" in markdown
    return json.loads(next(out.glob("eval-*.json")).read_text(encoding="utf-8"))


def test_cymbal_eval_writes_json_and_markdown(settings: Settings, tmp_path: Path) -> None:
    report = eval_report(tmp_path, "--model", "offline")
    trajectory = report["trajectory"]
    assert trajectory["cases"] == trajectory["cases_passed"] == 1
    assert trajectory["args_score"] == 1.0 and trajectory["turns"] == 3
    per_turn = report["per_turn"]["evalsets"]
    assert per_turn["turns"] == 3
    assert per_turn["model_calls_per_turn"] == 2.0 and per_turn["tool_calls_per_turn"] == 1.0
    assert per_turn["latency_p95_ms"] >= per_turn["latency_p50_ms"] > 0


def test_cymbal_eval_runs_on_gemini_when_a_key_is_present(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With credentials (here the local Gemini stub, which never calls a tool) the same
    evalsets run on Gemini and score what it did."""
    with GeminiStub(fallback=lambda body: text_reply("I would rather not.")) as stub:
        use_gemini_stub(monkeypatch, stub.base_url)
        report = eval_report(tmp_path)
    reset_caches()
    assert report["model"].startswith("Gemini")
    assert report["trajectory"]["names_score"] == 0.0 and report["trajectory"]["turns"] == 3
    assert report["per_turn"]["evalsets"]["model_calls_per_turn"] == 1.0
    assert len(stub.generate_requests) == 3


def test_the_sandbox_reads_the_data_and_keeps_writes_out(settings: Settings) -> None:
    from config.settings import get_settings

    with sandbox(settings) as scratch:
        assert scratch.data_dir != settings.data_dir
        assert scratch.duckdb_path.resolve() == settings.duckdb_path.resolve()
        scratch.app_db_path.write_text("campaigns", encoding="utf-8")
        written = scratch.app_db_path
    assert not written.exists() and get_settings().data_dir == settings.data_dir


def test_the_sandbox_leaves_the_written_databases_and_their_companions_behind(
        settings: Settings, tmp_path: Path) -> None:
    for name in ("cymbal.duckdb", "sessions.db", "sessions.db-wal", "sessions.db-shm",
                 "app.db", "app.db-journal"):
        (tmp_path / name).write_bytes(b"")
    with sandbox(settings.model_copy(update={"data_dir": tmp_path})) as scratch:
        assert sorted(p.name for p in scratch.data_dir.iterdir()) == ["cymbal.duckdb"]
