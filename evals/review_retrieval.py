"""Precision@5 and recall@20 of review search on the hand-labelled query set.

Usage: python evals/review_retrieval.py [--errors]

Indexes the 260 hand-written reviews (reviews_dev.yaml + reviews_test.yaml) exactly as setup
indexes the warehouse's reviews (a throw-away chromadb folder, the configured embedding
provider), runs every query of review_queries.yaml through the search tool's ranking, and
reports, overall and for English and Korean queries separately:

  P@5       relevant reviews among the first five, divided by five;
  P@5 cap   the same divided by min(5, number of relevant reviews), so a query with only two
            relevant reviews can still score 1;
  R@20      the share of a query's relevant reviews found in the first twenty.

Two rankings are scored: the shipped one (the query embedding, leaning towards an English
gloss for Korean queries, plus small bonuses for reviews that contain the query's words and
whose analysed issue category and sentiment match the query's), and plain cosine similarity
of the raw query embedding.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tools.reviews.search as review_search  # noqa: E402
from config.settings import Settings  # noqa: E402
from pipeline.review_index import build_review_index  # noqa: E402
from tools.vocabulary.language import has_hangul  # noqa: E402

EVALS = Path(__file__).resolve().parent


def corpus() -> pd.DataFrame:
    """The hand-written reviews shaped like the warehouse rows the index is built from."""
    rows = [r for name in ("dev", "test")
            for r in yaml.safe_load((EVALS / f"reviews_{name}.yaml").read_text("utf-8"))["reviews"]]
    return pd.DataFrame({
        "customer_review_id": [r["id"] for r in rows], "customer_id": [1000 + r["id"] for r in rows],
        "review_text": [r["text"] for r in rows], "rating": [r["rating"] for r in rows],
        "review_datetime": pd.Timestamp("2025-06-01"), "product_id": 1, "title": "",
        "sku": "", "categories": None, "address_city": "Seoul", "age": 30, "gender": "Female",
        "loyalty_member": True, "text_sentiment": [r["sentiment"] for r in rows],
        "issue_category": [r["issue"] for r in rows]})


def score(index: review_search.ReviewIndex, queries: list[dict],
          show: bool) -> dict[str, dict[str, float]]:
    """Mean P@5, capped P@5 and R@20 for all, English and Korean queries."""
    per_query = []
    for q in queries:
        hits = review_search.search(index, q["query"], review_search.Filters(), 20)
        ranked = [h.review_id for h in hits]
        relevant = set(q["relevant"])
        top5 = sum(i in relevant for i in ranked[:5])
        per_query.append({"korean": has_hangul(q["query"]), "p5": top5 / 5,
                          "p5cap": top5 / min(5, len(relevant)),
                          "r20": sum(i in relevant for i in ranked[:20]) / len(relevant)})
        if show and per_query[-1]["r20"] < 1:
            missed = sorted(relevant - set(ranked[:20]))
            print(f"  {q['id']}: P@5 {top5}/5, missed in top 20: {missed}; top 5: {ranked[:5]}")
    groups = {"all": per_query, "English": [p for p in per_query if not p["korean"]],
              "Korean": [p for p in per_query if p["korean"]]}
    return {name: {key: sum(p[key] for p in group) / len(group) for key in ("p5", "p5cap", "r20")}
            | {"n": len(group)} for name, group in groups.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list queries with misses")
    args = parser.parse_args()
    queries = yaml.safe_load((EVALS / "review_queries.yaml").read_text("utf-8"))["queries"]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        started = time.perf_counter()
        frame = corpus()
        build_review_index(settings, frame=frame)
        print(f"indexed {len(frame)} reviews in {time.perf_counter() - started:.1f}s")
        index = review_search.ReviewIndex(settings.chroma_dir)
        shipped = {name: getattr(review_search, name)
                   for name in ("WORD_BONUS", "ISSUE_BONUS", "TONE_BONUS", "korean_gloss")}
        plain = {"WORD_BONUS": 0.0, "ISSUE_BONUS": 0.0, "TONE_BONUS": 0.0,
                 "korean_gloss": lambda query: ""}
        for label, values in (("shipped ranking", shipped), ("plain cosine similarity", plain)):
            for name, value in values.items():
                setattr(review_search, name, value)
            print(label)
            for name, figures in score(index, queries, args.errors and values is shipped).items():
                print(f"  {name:<8} n={figures['n']:>2}  P@5 {figures['p5']:.3f}  "
                      f"P@5 cap {figures['p5cap']:.3f}  R@20 {figures['r20']:.3f}")
        for name, value in shipped.items():
            setattr(review_search, name, value)

if __name__ == "__main__":
    main()
