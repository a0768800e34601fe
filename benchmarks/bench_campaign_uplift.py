"""Does the campaign results' 95% interval cover the true uplift? Coverage over many seeds.

Usage: python benchmarks/bench_campaign_uplift.py [--customers 2000] [--seeds 50]
       [--uplift 0.05] [--base-rate 0.10] [--holdout-share 0.10]

For each seed: ``--customers`` eligible customers spread over the 12 persona segments, a
holdout drawn by ``tools.campaigns.holdout.draw_holdout`` (stratified, seeded by the
"campaign id" = the seed), responses drawn by the simulator's own
``pipeline.campaign_responses.simulate_conversions`` with the chosen true uplift, and the
interval and p-value computed by ``tools.campaigns.uplift`` as ``campaign_results`` does.
It prints how often the interval contains the true uplift, and, run again with no uplift,
how often it contains 0 (and how often p < 0.05: the false-positive rate). The warehouse round
trip (orders written, read back by SQL) is covered by tests/campaigns/test_campaign_loop.py.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.campaign_responses import simulate_conversions  # noqa: E402
from tools.campaigns.holdout import draw_holdout  # noqa: E402
from tools.campaigns.uplift import uplift  # noqa: E402

SEGMENTS = [f"{age}_{gender}_{loyalty}" for age in ("Younger_Adult", "Older_Adult")
            for gender in ("MALE", "FEMALE", "OTHER") for loyalty in ("LOYAL", "NON_LOYAL")]


def coverage(customers: int, seeds: int, true_uplift: float, base_rate: float,
             share: float) -> dict[str, float]:
    segments = {1001 + i: SEGMENTS[i % len(SEGMENTS)] for i in range(customers)}
    covered = significant = 0
    estimates, widths, holdouts = [], [], []
    for seed in range(1, seeds + 1):
        held = draw_holdout(segments, seed, share, min_audience=2)
        treated = [i for i in segments if i not in held]
        converts = simulate_conversions(treated, sorted(held), base_rate, true_uplift, seed,
                                        campaign_id=seed)
        found = uplift(sum(converts[i] for i in treated), len(treated),
                       sum(converts[i] for i in held), len(held))
        covered += found.low <= true_uplift <= found.high
        significant += found.p_value < 0.05
        estimates.append(found.difference)
        widths.append(found.high - found.low)
        holdouts.append(len(held))
    return {"coverage": covered / seeds, "significant": significant / seeds,
            "mean_estimate": sum(estimates) / seeds, "mean_width": sum(widths) / seeds,
            "holdout": sum(holdouts) / seeds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--uplift", type=float, default=0.05)
    parser.add_argument("--base-rate", type=float, default=0.10)
    parser.add_argument("--holdout-share", type=float, default=0.10)
    args = parser.parse_args()
    print(f"{args.customers:,} customers, holdout share {args.holdout_share:.0%}, base rate "
          f"{args.base_rate:.0%}, {args.seeds} seeds; 95% Newcombe interval")
    for truth in (args.uplift, 0.0):
        r = coverage(args.customers, args.seeds, truth, args.base_rate, args.holdout_share)
        print(f"true uplift {truth * 100:+.1f} pts: interval contains it in "
              f"{r['coverage']:.0%} of seeds; mean estimate {r['mean_estimate'] * 100:+.2f} pts, "
              f"mean width {r['mean_width'] * 100:.1f} pts, p < 0.05 in {r['significant']:.0%} "
              f"(holdout {r['holdout']:.0f} customers)")


if __name__ == "__main__":
    main()
