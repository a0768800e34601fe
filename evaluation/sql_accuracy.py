"""Execution accuracy of text-to-SQL: ask the agent each gold question, compare result sets.

Each gold question (``evals/sql_gold*.yaml``) is asked through the real ADK runner
(``ChatService``) on the chosen model, after its earlier turns when it is a follow-up. The
last successful ``run_sql`` of the turn is re-run with the full row cap and compared with
the gold SQL's result:

* rows compare as unordered multisets unless the gold says ``ordered`` (then in order) or
  ``top`` (a ranked result whose leading rows equal the gold rows is right; a gold query
  that ends in ORDER BY … LIMIT is read as ``top``, so a superlative answered with its
  runner-up beside the winner counts);
* every gold column must be matched by some predicted column (extra columns are fine; a
  TRUE/FALSE gold column may be matched by a two-valued label column such as LOYAL/NON_LOYAL);
* numbers are equal within rounding (0.05, or 0.01% of their size).

Outcomes: correct, wrong (a query ran but its result differs) and declined (no query ran).
The out-of-scope questions (``evals/out_of_scope.yaml``) are asked too: answering one with a
query counts as a wrong answer there. ``evaluate()`` is what ``cymbal eval`` calls;
``python -m evaluation.sql_accuracy`` runs it from the shell.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import yaml

from config.settings import PROJECT_ROOT, Settings, get_settings
from evaluation.console import progress, publish

GOLD_DIR = PROJECT_ROOT / "evals"
BASE_GOLD = GOLD_DIR / "sql_gold.yaml"
# Questions written without looking at knowledge/: each "dev" split was held out until its
# first scoring and may be tuned on since; "test" never is.
BLIND_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10",
                "dev11", "dev12", "dev13", "dev14", "dev15", "test")
BLIND_SQL = {split: GOLD_DIR / f"blind_{split}.yaml" for split in BLIND_SPLITS}
OUT_OF_SCOPE = GOLD_DIR / "out_of_scope.yaml"
OUTCOMES = ("correct", "wrong", "declined")
_NEGATION = re.compile(r"(^|[^a-z])(non|not|no|false|without)([^a-z]|$)|^비|아님|없음", re.I)
_PERIOD = re.compile(r"(\d{4})-[QH]?(\d{1,2})")  # a month "2025-07", a quarter "2025-Q3", a
# half-year "2025-H1"
_PERIOD_NAME = re.compile(r"[QH][1-4]", re.I)  # a quarter or half named without its year
_FIRST_OF_MONTH = re.compile(r"\d{4}-\d{2}-01(?:[ T]00:00:00)?")  # a date or its ISO text


@dataclass(frozen=True)
class GoldItem:
    id: str
    category: str
    difficulty: str
    lang: str
    question: str
    sql: str
    context: tuple[str, ...] = ()
    ordered: bool = False
    top: bool = False


def load_gold(path: Path = BASE_GOLD) -> list[GoldItem]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [GoldItem(id=q["id"], category=q["category"], difficulty=q["difficulty"],
                     lang=q["lang"], question=q["question"], sql=q["sql"],
                     context=tuple(q.get("context", ())), ordered=bool(q.get("ordered")),
                     top=bool(q.get("top")) or _ranked_and_limited(q["sql"]))
            for q in raw["questions"]]


def _ranked_and_limited(sql: str) -> bool:
    """Whether the outermost query orders its rows and keeps the first few."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.ParseError:
        return False
    return tree.args.get("order") is not None and tree.args.get("limit") is not None


# ------------------------------------------------------------------------------ comparison
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def same_value(a: Any, b: Any) -> bool:
    """Equal, with numbers equal within rounding."""
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        if math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-9):
            return True
        fractional = not (x.is_integer() and y.is_integer())
        return fractional and abs(x - y) <= 0.05 + 1e-9
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if a is None or b is None:
        return a is None and b is None
    return str(a).strip().casefold() == str(b).strip().casefold()


def _column_fits(gold: list[Any], pred: list[Any], ordered: bool) -> list[dict[Any, Any]]:
    """Value mappings under which ``pred`` can equal ``gold``: the identity ({}), or for a
    TRUE/FALSE gold column each way of reading a two-valued label column as TRUE/FALSE."""
    if any(isinstance(v, bool) for v in gold) and \
            all(isinstance(v, bool) or v is None for v in gold):
        labels = sorted({str(v) for v in pred if v is not None})
        truths = sorted({v for v in gold if v is not None}, key=str)
        if not truths or len(labels) != len(truths):
            return []
        fits = []
        negative = [label for label in labels if _NEGATION.search(label)]
        for perm in itertools.permutations(labels):
            mapping = dict(zip(perm, truths, strict=True))
            if len(negative) == 1 and len(labels) == 2 and mapping[negative[0]] is not False:
                continue  # "NON_LOYAL" can only mean FALSE
            mapped = [mapping.get(str(v)) if v is not None else None for v in pred]
            if (mapped == gold) if ordered else (Counter(mapped) == Counter(gold)):
                fits.append(mapping)
        return fits
    if _periods_of_one_year(pred) and all(_FIRST_OF_MONTH.fullmatch(str(v)) for v in gold):
        firsts = {str(v)[:7]: v for v in gold}  # DATE_TRUNC(…, MONTH) is the month "2025-10"
        mapped = [firsts.get(str(v)) for v in pred]
        return [firsts] if None not in mapped and _column_fits(gold, mapped, ordered) else []
    months = _periods_of_one_year(pred)
    if months and all(_PERIOD_NAME.fullmatch(str(v)) for v in gold):
        names = {str(v): str(v)[5:] for v in pred}  # "2025-Q3" answers "Q3", within one year
        fits = _column_fits(gold, [names[str(v)] for v in pred], ordered)
        return [names] if fits else []
    if months and all(isinstance(v, int) and not isinstance(v, bool) for v in gold):
        pred = [months[str(v)] for v in pred]  # "2025-07" answers "month 7", "2025-Q3"
        # "quarter 3", within one year
        fits = _column_fits(gold, pred, ordered)
        return [months] if fits else []
    if ordered:
        return [{}] if all(same_value(g, p) for g, p in zip(gold, pred, strict=True)) else []
    key = _sort_key
    if all(same_value(g, p) for g, p in zip(sorted(gold, key=key), sorted(pred, key=key),
                                              strict=True)):
        return [{}]
    return []


def _periods_of_one_year(values: list[Any]) -> dict[str, int]:
    """{"2025-07": 7, …} when every value is a "YYYY-MM" month (or a "YYYY-Qn" quarter) of
    the same year."""
    found = [_PERIOD.fullmatch(str(v)) for v in values]
    if not values or not all(found) or len({m.group(1) for m in found if m}) != 1:
        return {}
    return {m.group(0): int(m.group(2)) for m in found if m}


def _sort_key(value: Any) -> tuple[int, Any]:
    number = _number(value)
    if number is not None:
        return 0, number
    return (1, str(value).casefold()) if value is not None else (2, "")


def _rows_equal(gold: list[tuple[Any, ...]], pred: list[tuple[Any, ...]], ordered: bool) -> bool:
    if ordered:
        return all(all(same_value(g, p) for g, p in zip(gr, pr, strict=True))
                   for gr, pr in zip(gold, pred, strict=True))
    remaining = list(pred)
    for row in sorted(gold, key=lambda r: tuple(_sort_key(v) for v in r)):
        match = next((i for i, cand in enumerate(remaining)
                      if all(same_value(g, p) for g, p in zip(row, cand, strict=True))), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


def _transposed(gold_rows: list[list[Any]], pred_rows: list[list[Any]]) -> bool:
    """A comparison of groups or periods given as one row with a column per group, answered
    with a row per group in the same order ("Q3 and Q4": q3_revenue, q4_revenue against the
    rows 2025-Q3, 2025-Q4): the same figures, another shape."""
    if len(gold_rows) != 1 or len(gold_rows[0]) < 2 or len(pred_rows) != len(gold_rows[0]) \
            or any(_number(v) is None for v in gold_rows[0]):
        return False
    return any(all(same_value(g, row[k]) for g, row in zip(gold_rows[0], pred_rows, strict=True))
               for k in range(len(pred_rows[0])))


def compare_results(gold_rows: list[list[Any]], pred_columns: Sequence[str],
                    pred_rows: list[list[Any]], ordered: bool = False,
                    top: bool = False) -> tuple[bool, str]:
    """Whether a predicted result answers like the gold one; the reason when it does not."""
    if top:
        if len(pred_rows) < len(gold_rows):
            return False, f"{len(pred_rows)} rows, expected at least {len(gold_rows)}"
        pred_rows = pred_rows[:len(gold_rows)]
        ordered = True
    if _transposed(gold_rows, pred_rows):
        return True, ""
    if len(pred_rows) != len(gold_rows):
        return False, f"{len(pred_rows)} rows, expected {len(gold_rows)}"
    if not gold_rows:
        return True, ""
    gold_cols = list(zip(*gold_rows, strict=True))
    pred_cols = list(zip(*pred_rows, strict=True))
    options: list[list[tuple[int, dict[Any, Any]]]] = []
    for j, column in enumerate(gold_cols):
        fits = [(k, m) for k, pc in enumerate(pred_cols)
                for m in _column_fits(list(column), list(pc), ordered)]
        if not fits:
            return False, f"no predicted column matches gold column {j + 1}"
        options.append(fits)
    for choice in itertools.product(*options):
        picked = [k for k, _ in choice]
        if len(set(picked)) < len(picked):
            continue
        gold = [tuple(row) for row in gold_rows]
        pred = [tuple(m.get(str(row[k]), row[k]) if m else row[k]
                      for k, m in choice) for row in pred_rows]
        if _rows_equal(gold, pred, ordered):
            return True, ""
    return False, "columns match one by one but the rows differ"


# ------------------------------------------------------------------------------ running
@dataclass
class ItemResult:
    id: str
    category: str
    difficulty: str
    lang: str
    question: str
    outcome: str
    answer: str = ""
    sql: str = ""
    reason: str = ""
    elapsed_ms: float = 0.0


@dataclass
class EvalReport:
    model: str
    items: list[ItemResult] = field(default_factory=list)
    out_of_scope: list[ItemResult] = field(default_factory=list)  # outcome declined or wrong

    def counts(self, items: Sequence[ItemResult] | None = None) -> dict[str, int]:
        items = self.items if items is None else items
        found = Counter(i.outcome for i in items)
        return {o: found.get(o, 0) for o in OUTCOMES} | {"total": len(items)}

    def rates(self, items: Sequence[ItemResult] | None = None) -> dict[str, float]:
        counts = self.counts(items)
        total = counts["total"] or 1
        return {o: round(100 * counts[o] / total, 1) for o in OUTCOMES}

    def by(self, attribute: str) -> dict[str, dict[str, int]]:
        groups: dict[str, list[ItemResult]] = {}
        for item in self.items:
            groups.setdefault(getattr(item, attribute), []).append(item)
        return {k: self.counts(v) for k, v in sorted(groups.items())}

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "counts": self.counts(), "rates": self.rates(),
                "by_category": self.by("category"), "by_language": self.by("lang"),
                "by_difficulty": self.by("difficulty"),
                "out_of_scope": self.counts(self.out_of_scope),
                "items": [asdict(i) for i in self.items],
                "out_of_scope_items": [asdict(i) for i in self.out_of_scope]}

    def to_markdown(self) -> str:
        counts, rates = self.counts(), self.rates()
        lines = [f"Text-to-SQL execution accuracy — {self.model}", "",
                 f"{counts['total']} questions: correct {counts['correct']} ({rates['correct']}%), "
                 f"wrong {counts['wrong']} ({rates['wrong']}%), declined {counts['declined']} "
                 f"({rates['declined']}%)", ""]
        for attribute, title in (("category", "category"), ("lang", "language"),
                                 ("difficulty", "difficulty")):
            lines += [f"| {title} | total | correct | wrong | declined |", "|---|---|---|---|---|"]
            for key, c in self.by(attribute).items():
                lines.append(f"| {key} | {c['total']} | {c['correct']} | {c['wrong']} | "
                             f"{c['declined']} |")
            lines.append("")
        if self.out_of_scope:
            answered = [i for i in self.out_of_scope if i.outcome != "declined"]
            lines += [f"Out-of-scope questions: {len(self.out_of_scope)}, declined "
                      f"{len(self.out_of_scope) - len(answered)}, answered anyway "
                      f"{len(answered)}", ""]
            lines += [f"- answered: {i.question} — {i.sql[:120]}" for i in answered]
        misses = [i for i in self.items if i.outcome != "correct"]
        if misses:
            lines.append("Not correct:")
            lines += [f"- {i.id} [{i.outcome}] {i.question} — {i.reason}" for i in misses]
        return "\n".join(lines)


async def run_item(service: Any, item: GoldItem, warehouse: Any, row_cap: int) -> ItemResult:
    """Ask one gold question (after its context turns) and judge the answer."""
    started = time.perf_counter()
    session = service.new_session_id()
    for earlier in item.context:
        await service.ask(earlier, session_id=session)
    turn = await service.ask(item.question, session_id=session)
    result = ItemResult(id=item.id, category=item.category, difficulty=item.difficulty,
                        lang=item.lang, question=item.question, outcome="declined",
                        answer=turn.answer)
    ran = [c for c in turn.tool_calls if c.name == "run_sql" and c.ok]
    if not ran:
        result.reason = "no query ran"
    else:
        from tools.warehouse import SqlError

        result.sql = str(ran[-1].args.get("sql", ""))
        gold = warehouse.run_query(item.sql, max_rows=row_cap)
        try:
            predicted = warehouse.run_query(result.sql, max_rows=row_cap)
        except SqlError as err:
            predicted = None
            result.outcome, result.reason = "wrong", f"query fails on re-run: {err}"
        if predicted is not None:
            ok, reason = compare_results(gold.rows, predicted.columns, predicted.rows,
                                         ordered=item.ordered, top=item.top)
            result.outcome, result.reason = ("correct" if ok else "wrong"), reason
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def runnable(items: list[GoldItem], tables: set[str]) -> list[GoldItem]:
    """Gold items whose SQL reads only tables that exist."""
    from tools.sql.knowledge import sql_tables

    return [i for i in items if set(sql_tables(i.sql)) <= tables]


async def run_out_of_scope(service: Any, question: str) -> ItemResult:
    """Ask a question the data cannot answer: any query that runs is a wrong answer."""
    turn = await service.ask(question, session_id=service.new_session_id())
    ran = [c for c in turn.tool_calls if c.name == "run_sql" and c.ok]
    return ItemResult(id="out-of-scope", category="out_of_scope", difficulty="-", lang="-",
                      question=question, outcome="wrong" if ran else "declined",
                      answer=turn.answer, sql=str(ran[-1].args.get("sql", "")) if ran else "")


def load_out_of_scope(path: Path = OUT_OF_SCOPE) -> list[str]:
    return list(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["questions"])


def evaluate(model: str | None = None, gold_paths: Sequence[Path] | None = None,
             settings: Settings | None = None,
             progress: Callable[[int, int], None] | None = None,
             out_of_scope: bool = True, service: Any | None = None) -> EvalReport:
    """Run the gold set on ``model`` (default: the configured one) and report.

    Gold files default to every ``evals/sql_gold*.yaml``; items over tables that do not
    exist yet (derived tables before their build) are skipped. Conversations run on
    ``service`` when given (``cymbal eval`` passes its own to read the turns back), else on a
    ``ChatService`` with in-memory sessions: evaluation conversations need no persistence.
    """
    from google.adk.sessions import InMemorySessionService

    from agent.runner import ChatService
    from tools.warehouse import get_warehouse

    settings = settings or get_settings()
    paths = list(gold_paths) if gold_paths else sorted(GOLD_DIR.glob("sql_gold*.yaml"))
    warehouse = get_warehouse()
    tables = set(warehouse.catalog().table_names())
    items = runnable([i for p in paths for i in load_gold(p)], tables)
    if service is None:
        service = ChatService(settings=settings, model=model,
                              session_service=InMemorySessionService())
    report = EvalReport(model=service.model_choice.label)

    questions = load_out_of_scope() if out_of_scope else []

    async def run_all() -> None:
        total = len(items) + len(questions)
        for n, item in enumerate(items, 1):
            report.items.append(await run_item(service, item, warehouse, settings.max_rows))
            if progress:
                progress(n, total)
        for n, question in enumerate(questions, len(items) + 1):
            report.out_of_scope.append(await run_out_of_scope(service, question))
            if progress:
                progress(n, total)

    asyncio.run(run_all())
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Text-to-SQL execution accuracy on the gold set.")
    parser.add_argument("--model",
                        help="offline, a Gemini model name, or litellm/<provider>/<model>")
    parser.add_argument("--gold", type=Path, action="append", help="gold file(s) (default: all)")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON here")
    args = parser.parse_args(argv)
    publish(evaluate(model=args.model, gold_paths=args.gold, progress=progress), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
