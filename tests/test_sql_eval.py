"""The execution-accuracy harness: result comparison rules, and the offline model's
accuracy on the gold sets through the real runner (base tables, and derived tables built
from stand-ins that follow their agreed contract)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evaluation.sql_accuracy import GOLD_DIR, compare_results, evaluate, load_gold
from pipeline.knowledge import build_knowledge_index, build_value_index
from pipeline.progress import NullReporter
from pipeline.setup import SetupContext, SetupOptions
from tests.conftest import reset_caches
from tests.derived_stub import add_derived_tables, copy_data_dir
from tools.sql_knowledge import sql_tables
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


@pytest.fixture(scope="module")
def derived_dir(built_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built data plus stand-in derived tables, with both indexes brought up to date."""
    from agent.settings import Settings

    target = copy_data_dir(built_data_dir, tmp_path_factory.mktemp("derived") / "data")
    add_derived_tables(target / "cymbal.duckdb")
    settings = Settings(data_dir=target)
    ctx = SetupContext(settings=settings, options=SetupOptions(scale=0.2),
                       reporter=NullReporter())
    build_value_index(ctx)
    build_knowledge_index(ctx)
    return target


@pytest.fixture()
def derived_settings(derived_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CYMBAL_DATA_DIR", str(derived_dir))
    monkeypatch.setenv("CYMBAL_MODEL", "offline")
    reset_caches()
    from agent.settings import get_settings

    yield get_settings()
    get_warehouse().close()
    reset_caches()


@pytest.mark.slow
def test_derived_pairs_and_gold_run_on_the_contract(derived_settings):
    from tools.sql_knowledge import load_samples

    warehouse = get_warehouse()
    tables = set(warehouse.catalog().table_names())
    for sample in load_samples():
        assert set(sample.tables) <= tables, sample.id
        assert warehouse.run_query(sample.render_sql()).rows, sample.id
    for item in load_gold(GOLD_DIR / "sql_gold_derived.yaml"):
        assert set(sql_tables(item.sql)) <= tables
        warehouse.run_query(item.sql)


@pytest.mark.slow
def test_offline_accuracy_on_the_derived_gold(derived_settings):
    report = evaluate(model="offline", gold_paths=[GOLD_DIR / "sql_gold_derived.yaml"],
                      settings=derived_settings, out_of_scope=False)
    counts = report.counts()
    assert counts["total"] == 20
    assert counts["correct"] >= 16 and counts["wrong"] <= 1, report.to_markdown()
