"""Tool-trajectory scoring for the evalsets (``evals/*.evalset.json``).

ADK's own ``tool_trajectory_avg_score`` compares either every argument of every call or none.
The evalsets need both at once: a customer id, a campaign id or a language is deterministic
and must match, while SQL written by a model (or a search phrase) is not. So an expected call
names only the arguments that must match; the others (an empty ``args`` for ``run_sql``) are
not compared. ``tool_trajectory_args_score`` is an ADK custom metric with that rule, in
order (IN_ORDER: expected calls appear in the actual calls in the same order; other calls
may come in between), registered in ``evals/test_config.json`` so ``adk eval`` and
``AgentEvaluator`` use it too.
"""

from __future__ import annotations

import re
from typing import Any

from google.adk.evaluation.eval_case import (
    ConversationScenario,
    Invocation,
    get_all_tool_calls,
)
from google.adk.evaluation.eval_metrics import EvalMetric
from google.adk.evaluation.evaluator import (
    EvalStatus,
    EvaluationResult,
    PerInvocationResult,
)
from google.genai import types

_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")


def same_arg(expected: Any, actual: Any) -> bool:
    """Equal as a person would read a tool argument: numbers by value (``"1042"`` and
    ``"customer 1042"`` are ``1042``), text without case or surrounding space, lists and dicts
    element by element."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and same_arg(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            same_arg(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).strip().lower() == str(actual).strip().lower()
    number_e, number_a = _number(expected), _number(actual)
    if number_e is not None and number_a is not None:
        return number_e == number_a
    return str(expected).strip().casefold() == str(actual).strip().casefold()


def _number(value: Any) -> float | None:
    """A number, or the one number a text names ("customer 1042", "고객 1042")."""
    if isinstance(value, (int, float)):
        return float(value)
    found = _NUMBERS.findall(str(value))
    return float(found[0]) if len(found) == 1 else None


def call_matches(expected: types.FunctionCall, actual: types.FunctionCall) -> bool:
    """Same tool, and every argument the expected call names has the same value."""
    if expected.name != actual.name:
        return False
    given = actual.args or {}
    return all(k in given and same_arg(v, given[k]) for k, v in (expected.args or {}).items())


def in_order(expected: list[types.FunctionCall], actual: list[types.FunctionCall]) -> bool:
    """Every expected call appears among the actual ones, in the same order."""
    remaining = iter(actual)
    return all(any(call_matches(e, a) for a in remaining) for e in expected)


def tool_trajectory_args_score(eval_metric: EvalMetric, actual_invocations: list[Invocation],
                               expected_invocations: list[Invocation] | None,
                               conversation_scenario: ConversationScenario | None = None
                               ) -> EvaluationResult:
    """ADK custom metric: 1 per turn whose calls match the expected ones in order, with the
    arguments the expected calls name; the case's score is the mean over its turns."""
    del conversation_scenario  # static conversations only
    if expected_invocations is None:
        raise ValueError("tool_trajectory_args_score needs expected invocations.")
    criterion = eval_metric.criterion
    threshold = criterion.threshold if criterion is not None else 1.0

    def status(score: float) -> EvalStatus:
        return EvalStatus.PASSED if score >= threshold else EvalStatus.FAILED

    results = []
    for actual, expected in zip(actual_invocations, expected_invocations, strict=True):
        ok = in_order(get_all_tool_calls(expected.intermediate_data),
                      get_all_tool_calls(actual.intermediate_data))
        score = 1.0 if ok else 0.0
        results.append(PerInvocationResult(actual_invocation=actual,
                                           expected_invocation=expected, score=score,
                                           eval_status=status(score)))
    if not results:
        return EvaluationResult()
    overall = sum(r.score or 0.0 for r in results) / len(results)
    return EvaluationResult(overall_score=overall, overall_eval_status=status(overall),
                            per_invocation_results=results)
