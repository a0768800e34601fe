"""Follow-up questions offered after an answer, as chips in the chat.

They are deterministic and follow what was asked: after a query composed from the semantic
model, the same measure (and filters) broken down one step further, over time, or by another
dimension ("Customers by city and gender", "Customers by month"); after a tool's answer, the
next questions its category suggests (``knowledge/offline/follow_ups.yaml``) with the values
the question named; after a decline, the closest questions it listed. A chip is offered only
when the offline model answers it, read as the next message of the same conversation (for a
composed follow-up, with the breakdown it promises).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from agent.conversation import Turn
from agent.offline.planner import OfflinePlanner, Plan, get_planner, sized_a_campaign
from config.settings import PROJECT_ROOT
from tools.sql.query_plan import QueryPlan
from tools.sql.semantic_model import Dimension, load_semantic_model
from tools.sql.value_labels import plain_words
from tools.vocabulary.language import language_of

FOLLOW_UPS_PATH = PROJECT_ROOT / "knowledge" / "offline" / "follow_ups.yaml"
OFFERED = 3
_TIME = "month"
DRY_RUN = "dry_run"  # the chips after a campaign's dry run (follow_ups.yaml)


@dataclass(frozen=True)
class Candidate:
    question: str
    breakdown: tuple[str, ...] | None = None  # the dimensions its reading must group by


@lru_cache(maxsize=1)
def _book() -> dict[str, Any]:
    return yaml.safe_load(FOLLOW_UPS_PATH.read_text(encoding="utf-8"))


def follow_up_questions(turns: list[Turn], available_tools: set[str]) -> list[str]:
    """Up to three questions to offer after the last turn of ``turns``."""
    if not turns:
        return []
    planner = get_planner(available_tools)
    plan = planner.plan_conversation(turns)
    lang = language_of(turns[-1].text)
    if plan.composed is None and plan.candidate is None:  # declined: its closest questions
        return [plain_words(q, lang) for q in plan.suggestions[:OFFERED]]
    offered: list[str] = []
    asked = {t.text.casefold() for t in turns}
    for candidate in [*_candidates(plan, lang), *_listed("any", {}, lang)]:
        if candidate.question in offered or candidate.question.casefold() in asked:
            continue
        if _answered(planner, turns, candidate):
            offered.append(candidate.question)
        if len(offered) == OFFERED:
            break
    return offered


def _candidates(plan: Plan, lang: str) -> list[Candidate]:
    if plan.composed is not None:
        return _breakdowns(plan.composed, lang)
    assert plan.candidate is not None
    values: dict[str, str] = {}
    for name, value in plan.candidate.values.items():
        values[name] = values[value.type] = plain_words(value.label(lang), lang)
    if "segment_name" in values:
        values.setdefault("segment", values["segment_name"])
    category = DRY_RUN if sized_a_campaign(plan) else plan.candidate.intent.category
    return _listed(category, values, lang)


def _listed(category: str, values: dict[str, str], lang: str) -> list[Candidate]:
    """The category's questions with the asked values filled in (those it cannot fill left
    out)."""
    out = []
    for template in _book()["categories"].get(category, {}).get(lang, []):
        try:
            out.append(Candidate(template.format(**values)))
        except KeyError:
            continue
    return out


def _breakdowns(plan: QueryPlan, lang: str) -> list[Candidate]:
    """The composed query one step on: its breakdown and one more dimension, the trend over
    months, and another single breakdown, each with the same measure and filters."""
    model = load_semantic_model()
    grouped = [d.name for d in plan.group_by]
    filtered = {c.column for c in plan.conditions}
    time = next((d for d in plan.group_by if d.time), None) or \
        model.time_dimension(model.fact_of(plan.table))
    options: list[Dimension] = []
    for name in _book()["breakdowns"]:
        dimension = time if name == _TIME else model.dimensions.get(name)
        if dimension is not None and dimension.name not in grouped and \
                dimension.sql not in filtered:
            options.append(dimension)
    out = []
    if grouped and not any(d.time for d in plan.group_by):
        extra = next((d for d in options if not d.time), None)
        if extra is not None:
            out.append(_phrase(plan, [*plan.group_by, extra], lang))
    options.sort(key=lambda d: not d.time)  # the trend next, then other breakdowns
    return out + [_phrase(plan, [d], lang) for d in options]


def _phrase(plan: QueryPlan, dimensions: list[Dimension], lang: str) -> Candidate:
    """"Customers by city and gender for loyalty members" / "로열 고객 도시·성별 고객 수"."""
    if plan.shape == "share" and plan.share is not None:
        what = plan.share.label.text(lang)
        measure = f"{what} 비율" if lang == "ko" else f"{what} share"
    else:
        measure = (plan.measure.label.text(lang) if plan.measure else "").split(" (")[0]
    conditions = [c.label.text(lang) for c in plan.conditions if c.label.text(lang)]
    if lang == "ko":
        dims = "·".join(d.label.text(lang) for d in dimensions)
        question = " ".join([*conditions, f"{dims.removesuffix('별')}별 {measure}"])
    else:
        question = f"{measure} by {' and '.join(d.label.text(lang) for d in dimensions)}"
        if conditions:
            question += f" for {', '.join(conditions)}"
        question = question[:1].upper() + question[1:]
    return Candidate(plain_words(question, lang), tuple(d.name for d in dimensions))


def _answered(planner: OfflinePlanner, turns: list[Turn], candidate: Candidate) -> bool:
    """Whether the offline model answers ``candidate`` as the conversation's next message
    (with the promised breakdown, for a composed follow-up)."""
    plan = planner.plan_conversation([*turns, Turn(text=candidate.question)])
    if plan.composed is not None:
        return candidate.breakdown is None or \
            tuple(d.name for d in plan.composed.group_by) == candidate.breakdown
    return plan.candidate is not None and plan.candidate.intent.tool is not None \
        and candidate.breakdown is None
