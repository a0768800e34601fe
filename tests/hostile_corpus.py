"""The hostile-SQL corpus (tests/data/hostile_sql.yaml) and a run of it through a warehouse.

Shared by tests/test_hostile_corpus.py and benchmarks/bench_hostile_sql.py. Every statement
goes through ``Warehouse.run_query``: the real guard, the DuckDB translation and a real
DuckDB file. An outcome is ``refused`` (the guard or the translation said no), ``stopped``
(the backend stopped it: timeout or memory cap) or ``executed`` (it returned rows).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tools.warehouse.base import Warehouse
from tools.warehouse.errors import SqlError

CORPUS_FILE = Path(__file__).parent / "data" / "hostile_sql.yaml"
STOPPED = {"timeout", "resource_limit"}
# Classes whose execution would be a leak: data read from files, catalogs, settings or
# internal tables, or data changed.
LEAK_CLASSES = {"catalog", "file", "write", "multi"}
PROBE = "SELECT COUNT(*) AS n FROM sentinel"  # run after every runaway: the app still answers


@dataclass(frozen=True)
class Entry:
    kind: str
    sql: str


@dataclass
class Outcome:
    entry: Entry
    result: str  # refused | stopped | executed
    code: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(o.result == result for o in self.outcomes)

    @property
    def leaked(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if o.result == "executed" and o.entry.kind in LEAK_CLASSES]

    def figures(self) -> dict[str, int]:
        return {"tried": len(self.outcomes), "refused": self.count("refused"),
                "stopped": self.count("stopped"), "executed": self.count("executed"),
                "leaked": len(self.leaked)}

    def by_class(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            out.setdefault(o.entry.kind, Counter())[o.result] += 1
        return out


def load_corpus(path: Path = CORPUS_FILE) -> list[Entry]:
    """Every statement of the corpus, the CTE-scope templates expanded over their targets."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = [Entry(kind, sql) for kind, statements in data["statements"].items()
               for sql in statements]
    scope = data["cte_scope"]
    entries += [Entry("catalog", template.format(**target))
                for template in scope["templates"] for target in scope["targets"]]
    return entries


def run_corpus(warehouse: Warehouse, entries: list[Entry]) -> Report:
    """Run each entry; after a runaway, check that the next query still works."""
    report = Report()
    for entry in entries:
        started = time.perf_counter()
        try:
            warehouse.run_query(entry.sql)
            outcome = Outcome(entry, "executed")
        except SqlError as err:
            outcome = Outcome(entry, "stopped" if err.code in STOPPED else "refused", err.code)
        outcome.seconds = time.perf_counter() - started
        if entry.kind == "runaway":
            warehouse.run_query(PROBE)  # raises if the warehouse did not survive
        report.outcomes.append(outcome)
    return report
