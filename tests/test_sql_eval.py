"""The execution-accuracy harness: result comparison rules, and the offline model's
accuracy on the gold sets through the real runner, over the base and the derived tables."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.sql_accuracy import GOLD_DIR, compare_results, evaluate, load_gold
from tools.sql.knowledge import sql_tables
from tools.warehouse import get_warehouse

GOLD = [["Seoul", 839], ["Busan", 611]]


@pytest.mark.parametrize("columns, rows, options, ok", [
    (["city", "n"], [["Busan", 611], ["Seoul", 839]], {}, True),  # any order
    (["city", "n"], [["Busan", 611], ["Seoul", 839]], {"ordered": True}, False),
    (["n", "city", "share"], [[839, "Seoul", 57.9], [611, "Busan", 42.1]], {}, True),  # extra
    (["city", "n"], [["Seoul", 839.0000001], ["Busan", 611]], {}, True),  # tolerance
    (["city", "n"], [["Seoul", 840], ["Busan", 611]], {}, False),  # counts are exact
    (["city", "n"], [["Seoul", 839]], {}, False),  # missing row
    (["city", "n"], [["Seoul", 839], ["Busan", 611], ["Daegu", 518]], {"top": True}, True),
    (["city", "n"], [["Busan", 611], ["Seoul", 839]], {"top": True}, False),
    (["city"], [["Seoul"], ["Busan"]], {}, False),  # the counts are missing
])
def test_result_comparison(columns, rows, options, ok):
    assert compare_results(GOLD, columns, rows, **options)[0] is ok


def test_rounding_differences_and_boolean_labels():
    assert compare_results([[3.3]], ["avg"], [[3.26]])[0]
    assert not compare_results([[3.3]], ["avg"], [[3.4]])[0]
    gold = [[True, 4910], [False, 5090]]
    assert compare_results(gold, ["status", "n"], [["LOYAL", 4910], ["NON_LOYAL", 5090]])[0]
    assert not compare_results(gold, ["status", "n"], [["LOYAL", 5090], ["NON_LOYAL", 4910]])[0]
    assert not compare_results(gold, ["status", "n"], [["A", 1], ["B", 2]])[0]


def test_a_comparison_in_columns_matches_one_in_rows():
    gold = [[834465700.0, 755190800.0]]  # q3_revenue, q4_revenue
    assert compare_results(gold, ["quarter", "revenue"],
                           [["2025-Q3", 834465700.0], ["2025-Q4", 755190800.0]])[0]
    assert not compare_results(gold, ["quarter", "revenue"],  # the figures swapped
                               [["2025-Q3", 755190800.0], ["2025-Q4", 834465700.0]])[0]
    assert not compare_results(gold, ["quarter", "revenue"], [["2025-Q3", 834465700.0]])[0]


def test_a_period_of_the_one_year_matches_its_name():
    gold = [["Q3", 8430], ["Q4", 8258]]
    assert compare_results(gold, ["quarter", "orders"], [["2025-Q3", 8430], ["2025-Q4", 8258]])[0]
    assert not compare_results(gold, ["quarter", "orders"],
                               [["2025-Q3", 8258], ["2025-Q4", 8430]])[0]
    assert compare_results([["H1", 5], ["H2", 7]], ["half", "n"],
                           [["2025-H1", 5], ["2025-H2", 7]])[0]


def test_a_truncated_date_is_its_month():
    gold = [[dt.date(2025, 10, 1), 5], [dt.date(2025, 11, 1), 7]]
    assert compare_results(gold, ["month", "n"], [["2025-10", 5], ["2025-11", 7]])[0]
    assert not compare_results(gold, ["month", "n"], [["2025-10", 7], ["2025-11", 5]])[0]
    assert not compare_results([[dt.date(2025, 10, 2), 5]], ["day", "n"], [["2025-10", 5]])[0]
    as_text = [["2025-10-01", 5], ["2025-11-01", 7]]  # how the warehouse returns dates
    assert compare_results(as_text, ["month", "n"], [["2025-10", 5], ["2025-11", 7]])[0]


@pytest.mark.slow
def test_offline_accuracy_on_the_base_gold_set(settings):
    report = evaluate(model="offline", gold_paths=[GOLD_DIR / "sql_gold.yaml"],
                      settings=settings)
    counts = report.counts()
    assert counts["total"] >= 60
    assert counts["correct"] >= 0.85 * counts["total"], report.to_markdown()
    assert counts["wrong"] <= 0.05 * counts["total"], report.to_markdown()
    assert report.counts(report.out_of_scope)["declined"] == len(report.out_of_scope)
    assert set(report.by("lang")) == {"en", "ko"}


def test_derived_gold_runs_on_the_built_tables(settings):
    warehouse = get_warehouse()
    tables = set(warehouse.catalog().table_names())
    for item in load_gold(GOLD_DIR / "sql_gold_derived.yaml"):
        assert set(sql_tables(item.sql)) <= tables
        assert warehouse.run_query(item.sql).rows, item.question


@pytest.mark.slow
def test_offline_accuracy_on_the_derived_gold(settings):
    report = evaluate(model="offline", gold_paths=[GOLD_DIR / "sql_gold_derived.yaml"],
                      settings=settings, out_of_scope=False)
    counts = report.counts()
    assert counts["total"] == 20
    assert counts["correct"] >= 16 and counts["wrong"] <= 1, report.to_markdown()
