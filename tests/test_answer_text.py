"""Issue 17: the offline model's answers to every gold question, read as a marketer reads them.

No answer holds a persona segment code, a bracketed category, a query summary or a file path;
every answer that ran a query names the values its query filters on and its measure (the label
of one of the result's numbers, as tables name it, or the semantic model's reading). The
questions run through the real runner as the execution-accuracy evaluation runs them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from evaluation.sql_accuracy import GOLD_DIR, ItemResult, evaluate
from tests.conftest import offline_settings
from tools.sql.knowledge import load_glossary
from tools.sql.value_labels import value_label
from tools.vocabulary.columns import column_meaning
from tools.warehouse import get_warehouse

pytestmark = pytest.mark.slow
LEAKS = re.compile(r"(?:Younger|Older)_Adult_|\[[A-Z][A-Za-z ]*\]|rows x \d+ columns|"
                   r"first row:|(?:^|[\s(])/(?:tmp|home|work|data|usr)/|[\w-]+\.(?:csv|db|json)\b")
VOCABULARIES = ("city", "category", "gender", "sentiment", "status", "social_media_source",
                "issue_category", "segment", "availability")
PAID = {"Complete", "Shipped"}  # revenue's and units' own condition, named by their measure


@pytest.fixture(scope="module")
def answers(built_data_dir: Path) -> list[ItemResult]:
    """Every gold question (and the out-of-scope ones) asked once for this module's tests."""
    with pytest.MonkeyPatch.context() as patch, \
            offline_settings(built_data_dir, patch) as settings:
        report = evaluate(model="offline", gold_paths=sorted(GOLD_DIR.glob("sql_gold*.yaml")),
                          settings=settings)
    return report.items + report.out_of_scope


def _names(value: object, lang: str) -> set[str]:
    """The ways an answer may name a stored value."""
    names = {str(value).casefold()}
    for vocabulary in VOCABULARIES:
        names.add(value_label(vocabulary, value, lang).casefold())
        names.add(load_glossary().label(vocabulary, str(value), lang).casefold())
    return names


def filter_values(sql: str) -> list[str]:
    """The text values a query's WHERE clauses compare columns with."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    values = []
    for where in tree.find_all(exp.Where):
        for node in where.find_all(exp.EQ, exp.In):
            literals = [node.expression] if isinstance(node, exp.EQ) else node.expressions
            values += [lit.this for lit in literals
                       if isinstance(lit, exp.Literal) and lit.is_string]
    return values


_NOT_NAMING = {"of", "per", "the", "a", "by", "%", "#", "수", "no.", "id"}


def _words(label: str) -> set[str]:
    """A measure's label as the words that name it ("Avg. rating" -> average, rating)."""
    text = label.casefold().replace("avg.", "average").replace("_", " ")
    return {w for w in re.split(r"[\s()/,.·-]+", text) if w and w not in _NOT_NAMING}


def measure_named(item: ItemResult) -> bool:
    """Whether the answer says what its numbers count: every word of one number column's
    label (or of its name), or the semantic model's "Read as" line."""
    if "Read as:" in item.answer or "해석:" in item.answer:
        return True
    if not re.search(r"\b(?:COUNT|SUM|AVG|MIN|MAX|COUNTIF)\s*\(", item.sql, re.I):
        return True  # rows listed as they are: nothing is measured
    result = get_warehouse().run_query(item.sql, max_rows=5)
    text = item.answer.casefold()
    numbers = [c for i, c in enumerate(result.columns)
               if result.rows and isinstance(result.rows[0][i], (int, float))
               and not c.endswith("_id") and c != "rank"]
    return not numbers or any(
        words and all(w in text for w in words)
        for c in numbers for words in (_words(column_meaning(c).label(item.lang)), _words(c)))


def _ran(answers: list[ItemResult]) -> list[ItemResult]:
    ran = [a for a in answers if a.sql and a.outcome != "declined"]
    assert len(ran) >= 150
    return ran


def test_no_answer_leaks_a_code_a_summary_or_a_path(answers):
    leaks = [f"{a.id}: {a.answer}" for a in answers if LEAKS.search(a.answer)]
    assert not leaks, "\n".join(leaks)


def test_every_answer_names_the_values_it_filters_on(answers, settings):
    missing = []
    for a in _ran(answers):
        text = a.answer.casefold()
        values = filter_values(a.sql)
        if PAID <= set(values):
            values = [v for v in values if v not in PAID]
        absent = [v for v in values if not any(name in text for name in _names(v, a.lang))]
        if absent:
            missing.append(f"{a.id}: {a.question} -> {absent} not in {a.answer}")
    assert not missing, "\n".join(missing)


def test_every_answer_names_its_measure(answers, settings):
    unnamed = [f"{a.id}: {a.question} -> {a.answer}" for a in _ran(answers)
               if not measure_named(a)]
    assert not unnamed, "\n".join(unnamed)
