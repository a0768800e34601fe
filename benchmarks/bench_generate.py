"""Throughput and memory of the synthetic data generator.

Usage: python benchmarks/bench_generate.py --scale 100 --reviews-per-customer 1

Prints one row per stage: rows produced, seconds spent, rows per second and the process's peak
resident memory when the stage finished. "conform" is the final cast to the schema's types.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.generate import generate_dataset  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(scale: float, reviews_per_customer: float, seed: int) -> list[tuple[str, int, float, float]]:
    """Generate once; return (stage, rows, seconds, peak RSS MB) per stage."""
    finished: dict[str, tuple[float, float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if done == total and stage not in finished:
            finished[stage] = (time.perf_counter(), _peak_rss_mb())

    start = time.perf_counter()
    frames = generate_dataset(scale=scale, seed=seed, reviews_per_customer=reviews_per_customer,
                              progress=progress)
    finished["conform"] = (time.perf_counter(), _peak_rss_mb())
    rows_of = {name: len(frame) for name, frame in frames.items()}  # stages are named for tables
    rows_of["conform"] = sum(len(frame) for frame in frames.values())
    results, previous = [], start
    for stage, (at, rss) in finished.items():
        results.append((stage, rows_of[stage], at - previous, rss))
        previous = at
    results.append(("total", rows_of["conform"], previous - start, _peak_rss_mb()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reviews-per-customer", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    print(f"scale={args.scale} reviews_per_customer={args.reviews_per_customer} seed={args.seed}")
    print(f"{'stage':<18}{'rows':>12}{'seconds':>10}{'rows/s':>14}{'peak RSS MB':>14}")
    for stage, rows, seconds, rss in run(args.scale, args.reviews_per_customer, args.seed):
        rate = rows / seconds if seconds > 0 else float("inf")
        print(f"{stage:<18}{rows:>12,}{seconds:>10.2f}{rate:>14,.0f}{rss:>14,.0f}")


if __name__ == "__main__":
    main()
