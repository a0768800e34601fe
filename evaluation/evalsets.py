"""The ADK evalsets (``evals/*.evalset.json``), run the way ``adk eval`` runs them.

The same ADK ``LocalEvalService`` and metrics as ``adk eval agent evals/<file>`` (criteria from
``evals/test_config.json``), with the agent on any model, one case at a time (campaign tools
act on the latest campaign, and per-turn latencies stay clean), and the results read back turn
by turn: the question, the expected and actual tool calls, and whether the calls match by name
and with their arguments.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from google.adk.agents import BaseAgent
from google.adk.evaluation.base_eval_service import (
    EvaluateConfig,
    EvaluateRequest,
    InferenceConfig,
    InferenceRequest,
    InferenceResult,
)
from google.adk.evaluation.eval_case import Invocation, get_all_tool_calls
from google.adk.evaluation.eval_config import (
    EvalConfig,
    get_eval_metrics_from_config,
    get_evaluation_criteria_or_default,
)
from google.adk.evaluation.eval_result import EvalCaseResult
from google.adk.evaluation.eval_set import EvalSet
from google.adk.evaluation.evaluator import EvalStatus
from google.adk.evaluation.in_memory_eval_sets_manager import InMemoryEvalSetsManager
from google.adk.evaluation.local_eval_service import LocalEvalService
from google.adk.evaluation.local_eval_sets_manager import load_eval_set_from_file
from google.adk.evaluation.metric_evaluator_registry import (
    DEFAULT_METRIC_EVALUATOR_REGISTRY,
    register_custom_metrics_from_config,
)
from google.adk.sessions import BaseSessionService

from config.settings import PROJECT_ROOT

EVALSET_DIR = PROJECT_ROOT / "evals"
CONFIG_PATH = EVALSET_DIR / "test_config.json"
APP_NAME = "agent"  # what `adk eval agent …` calls the app
NAMES_METRIC = "tool_trajectory_avg_score"  # ADK's, IN_ORDER, tool names only
ARGS_METRIC = "tool_trajectory_args_score"  # ours, IN_ORDER, the arguments expected calls name


@dataclass
class TurnOutcome:
    """One turn of an eval case: what was asked, expected and done."""

    evalset: str
    case: str
    turn: int
    question: str
    expected: list[dict[str, Any]]
    actual: list[dict[str, Any]]
    names_ok: bool
    args_ok: bool
    answer: str = ""


@dataclass
class EvalsetReport:
    """Every turn of every case, and the cases that failed to run at all."""

    turns: list[TurnOutcome] = field(default_factory=list)
    case_status: dict[str, bool] = field(default_factory=dict)  # "evalset/case" -> passed
    errors: dict[str, str] = field(default_factory=dict)  # "evalset/case" -> why it did not run

    def scores(self) -> dict[str, Any]:
        turns = len(self.turns) or 1
        return {"turns": len(self.turns), "cases": len(self.case_status),
                "cases_passed": sum(self.case_status.values()),
                "names_score": round(sum(t.names_ok for t in self.turns) / turns, 3),
                "args_score": round(sum(t.args_ok for t in self.turns) / turns, 3)}

    def by_evalset(self) -> dict[str, dict[str, Any]]:
        names = sorted({t.evalset for t in self.turns} | {k.split("/")[0]
                                                          for k in self.case_status})
        out = {}
        for name in names:
            part = EvalsetReport(
                turns=[t for t in self.turns if t.evalset == name],
                case_status={k: v for k, v in self.case_status.items()
                             if k.startswith(f"{name}/")})
            out[name] = part.scores()
        return out

    def failures(self) -> list[TurnOutcome]:
        return [t for t in self.turns if not t.args_ok]

    def to_json(self) -> dict[str, Any]:
        return {**self.scores(), "by_evalset": self.by_evalset(), "errors": self.errors,
                "case_results": self.case_status, "turn_results": [asdict(t) for t in self.turns]}


def evalset_paths(folder: Path = EVALSET_DIR) -> list[Path]:
    return sorted(folder.glob("*.evalset.json"))


def load_config(path: Path = CONFIG_PATH) -> EvalConfig:
    return get_evaluation_criteria_or_default(str(path))


def _calls(invocation: Invocation | None) -> list[dict[str, Any]]:
    if invocation is None:
        return []
    return [{"name": c.name, "args": dict(c.args or {})}
            for c in get_all_tool_calls(invocation.intermediate_data)]


def _text(invocation: Invocation | None, final: bool) -> str:
    content = None if invocation is None else (
        invocation.final_response if final else invocation.user_content)
    if content is None:
        return ""
    return "".join(p.text or "" for p in content.parts or [])


def _outcomes(eval_set: EvalSet, result: EvalCaseResult) -> list[TurnOutcome]:
    out = []
    for n, per_turn in enumerate(result.eval_metric_result_per_invocation, 1):
        status = {m.metric_name: m.eval_status for m in per_turn.eval_metric_results}
        out.append(TurnOutcome(
            evalset=eval_set.eval_set_id, case=result.eval_id, turn=n,
            question=_text(per_turn.expected_invocation or per_turn.actual_invocation, False),
            expected=_calls(per_turn.expected_invocation),
            actual=_calls(per_turn.actual_invocation),
            names_ok=status.get(NAMES_METRIC) == EvalStatus.PASSED,
            args_ok=status.get(ARGS_METRIC) == EvalStatus.PASSED,
            answer=_text(per_turn.actual_invocation, True)))
    return out


def _unrun(eval_set: EvalSet, case_id: str) -> list[TurnOutcome]:
    """The turns of a case whose inference failed: each counts as a miss."""
    case = next(c for c in eval_set.eval_cases if c.eval_id == case_id)
    return [TurnOutcome(evalset=eval_set.eval_set_id, case=case_id, turn=n,
                        question=_text(inv, False), expected=_calls(inv), actual=[],
                        names_ok=False, args_ok=False)
            for n, inv in enumerate(case.conversation or [], 1)]


async def run_evalsets(agent: BaseAgent, paths: Sequence[Path],
                       session_service: BaseSessionService,
                       config: EvalConfig | None = None,
                       progress: Callable[[str], None] | None = None) -> EvalsetReport:
    """Run every case of the evalsets at ``paths`` on ``agent`` and score them."""
    with warnings.catch_warnings():  # ADK marks its eval service "experimental" on every use
        warnings.filterwarnings("ignore", message=r"\[EXPERIMENTAL\]")
        return await _run(agent, paths, session_service, config or load_config(), progress)


async def _run(agent: BaseAgent, paths: Sequence[Path], session_service: BaseSessionService,
               config: EvalConfig, progress: Callable[[str], None] | None) -> EvalsetReport:
    registry = register_custom_metrics_from_config(config,
                                                   DEFAULT_METRIC_EVALUATOR_REGISTRY.fork())
    manager = InMemoryEvalSetsManager()
    service = LocalEvalService(root_agent=agent, eval_sets_manager=manager,
                               metric_evaluator_registry=registry,
                               session_service=session_service)
    metrics = get_eval_metrics_from_config(config)
    report = EvalsetReport()
    for path in paths:
        eval_set = load_eval_set_from_file(str(path), path.name.removesuffix(".evalset.json"))
        manager.create_eval_set(app_name=APP_NAME, eval_set_id=eval_set.eval_set_id)
        for case in eval_set.eval_cases:
            manager.add_eval_case(app_name=APP_NAME, eval_set_id=eval_set.eval_set_id,
                                  eval_case=case)
        request = InferenceRequest(app_name=APP_NAME, eval_set_id=eval_set.eval_set_id,
                                   inference_config=InferenceConfig(parallelism=1))
        inferences: list[InferenceResult] = []
        async for inference in service.perform_inference(inference_request=request):
            inferences.append(inference)
            if progress:
                progress(f"{eval_set.eval_set_id}/{inference.eval_case_id}")
        evaluate = EvaluateRequest(inference_results=inferences,
                                   evaluate_config=EvaluateConfig(eval_metrics=metrics,
                                                                  parallelism=1))
        results = {}
        async for result in service.evaluate(evaluate_request=evaluate):
            results[result.eval_id] = result
        for inference in inferences:
            key = f"{eval_set.eval_set_id}/{inference.eval_case_id}"
            result = results.get(inference.eval_case_id)
            if inference.inferences is None or result is None or \
                    not result.eval_metric_result_per_invocation:
                report.errors[key] = inference.error_message or "the case did not run"
                report.turns += _unrun(eval_set, inference.eval_case_id)
                report.case_status[key] = False
                continue
            report.turns += _outcomes(eval_set, result)
            report.case_status[key] = result.final_eval_status == EvalStatus.PASSED
    return report
