"""How well described audiences select the customers they should: precision and recall.

Each description in ``evals/audiences.yaml`` is read by ``parse_audience`` and resolved by
``resolve_audience`` on the configured warehouse; its customer set is compared with the set
its hand-written gold SQL selects (``{phrases:<theme>}`` in a gold query stands for "the
review text contains one of the theme's ``review_phrases``").
``python -m evaluation.audience_accuracy`` prints the table (description, gold size,
selected size, precision, recall) and the means; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from config.settings import PROJECT_ROOT
from evaluation.console import progress, publish
from tools.campaigns.audience import AudienceError, parse_audience, resolve_audience
from tools.warehouse.reads import keyset_pages, sql_string

AUDIENCES_FILE = PROJECT_ROOT / "evals" / "audiences.yaml"
NO_LIMIT = 1_000_000  # the campaign size limit is not what is measured here
_PHRASES = re.compile(r"\{phrases:(\w+)\}")


@dataclass
class AudienceScore:
    description: str
    read_as: str
    gold: int
    selected: int
    precision: float
    recall: float
    error: str = ""


@dataclass
class AudienceReport:
    scores: list[AudienceScore]

    @property
    def mean_precision(self) -> float:
        return sum(s.precision for s in self.scores) / max(len(self.scores), 1)

    @property
    def mean_recall(self) -> float:
        return sum(s.recall for s in self.scores) / max(len(self.scores), 1)

    def to_markdown(self) -> str:
        lines = ["| description | gold | selected | precision | recall |",
                 "|---|---:|---:|---:|---:|"]
        lines += [f"| {s.description}{f' (error: {s.error})' if s.error else ''} | {s.gold:,} | "
                  f"{s.selected:,} | {s.precision:.3f} | {s.recall:.3f} |" for s in self.scores]
        lines.append(f"\nMean precision {self.mean_precision:.3f}, mean recall "
                     f"{self.mean_recall:.3f} over {len(self.scores)} descriptions.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"mean_precision": self.mean_precision, "mean_recall": self.mean_recall,
                "scores": [asdict(s) for s in self.scores]}


def load_audiences(path: Path = AUDIENCES_FILE) -> list[dict[str, str]]:
    """The labelled descriptions, their gold queries' phrase placeholders filled in."""
    labelled = yaml.safe_load(path.read_text(encoding="utf-8"))
    phrases = labelled["review_phrases"]

    def mentions(match: re.Match[str]) -> str:
        likes = (f"LOWER(review_text) LIKE {sql_string(f'%{p.lower()}%')}"
                 for p in phrases[match.group(1)])
        return f"({' OR '.join(likes)})"

    return [{**item, "gold": _PHRASES.sub(mentions, item["gold"])}
            for item in labelled["audiences"]]


def gold_set(sql: str) -> set[int]:
    """The customer ids a gold query selects, paged past the row cap."""
    return {int(r["customer_id"]) for r in keyset_pages(
        lambda after, page: (f"SELECT g.customer_id FROM ({sql}) AS g"
                             f"{'' if after is None else f' WHERE g.customer_id > {after}'} "
                             f"ORDER BY g.customer_id LIMIT {page}"), key="customer_id")}


def score(item: dict[str, str]) -> AudienceScore:
    gold = gold_set(item["gold"])
    try:
        spec = parse_audience(item["description"])
        selected, read_as, error = set(resolve_audience(spec, NO_LIMIT)), spec.label(), ""
    except AudienceError as err:
        selected, read_as, error = set(), "", str(err)
    hits = len(gold & selected)
    return AudienceScore(description=item["description"], read_as=read_as, gold=len(gold),
                         selected=len(selected),
                         precision=hits / len(selected) if selected else float(not gold),
                         recall=hits / len(gold) if gold else float(not selected), error=error)


def evaluate(items: list[dict[str, str]] | None = None) -> AudienceReport:
    items = load_audiences() if items is None else items
    scores = []
    for n, item in enumerate(items, 1):
        scores.append(score(item))
        progress(n, len(items))
    return AudienceReport(scores)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    publish(evaluate(), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
