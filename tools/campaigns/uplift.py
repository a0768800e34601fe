"""Comparing two conversion rates: the uplift, its 95% interval and a p-value.

The interval is Newcombe's hybrid score interval for a difference of two independent
proportions (Newcombe 1998, method 10): each rate gets a Wilson score interval and the
difference's limits combine their distances. Unlike the plain Wald interval it keeps close
to its nominal coverage with small groups and rates near 0 (a campaign's holdout is small
and conversion rates are low). The p-value is the two-sided pooled z-test of equal rates
(the normal approximation; equivalent to the chi-squared test without continuity
correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


@dataclass(frozen=True)
class Uplift:
    """Treated minus holdout conversion rate, in proportions (0.05 = 5 points)."""

    difference: float
    low: float  # 95% interval
    high: float
    p_value: float


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_sided_p(successes_a: int, n_a: int, successes_b: int, n_b: int) -> float:
    """The pooled two-proportion z-test's two-sided p-value (1.0 when it is undefined)."""
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 1.0
    z = (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def uplift(treated: int, n_treated: int, holdout: int, n_holdout: int) -> Uplift:
    """The uplift of the treated group's conversion rate over the holdout's."""
    if n_treated <= 0 or n_holdout <= 0:
        raise ValueError("Both groups need at least one customer.")
    p1, p2 = treated / n_treated, holdout / n_holdout
    l1, u1 = wilson(treated, n_treated)
    l2, u2 = wilson(holdout, n_holdout)
    d = p1 - p2
    return Uplift(difference=d,
                  low=d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                  high=d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
                  p_value=two_sided_p(treated, n_treated, holdout, n_holdout))
