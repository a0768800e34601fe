"""The recommendation rules: which three products a customer gets from ranked lists.

* ``lab_rule`` — the lab's rule: the segment's top 1 and top 2 and the city's top 1, skipping
  what the customer already bought or reviewed; gaps are filled with the next best of the
  segment's list, then of the city's.
* ``segment_city_blend`` — the products this segment *and* this city over-buy relative to
  everyone, skipping the same products (``first_new`` over the blended ranking).

``pipeline.segments.recommend`` applies them to every unhappy customer at setup time; the
recommendation tool applies them at answer time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

LAB_RULE = "lab_rule"
BLEND = "segment_city_blend"
METHODS = (LAB_RULE, BLEND)
PICKS = 3


def lab_rule(segment_list: Sequence[int], city_list: Sequence[int], exclude: Iterable[int],
             n: int = PICKS) -> list[int]:
    """Segment top 1, segment top 2, city top 1 — skipping ``exclude`` — then the next best.

    Lists are ranked product ids. After skipping excluded products the first two of the
    segment's list are taken, then the first of the city's list not already taken; if fewer
    than ``n`` remain, the rest of the segment's list and then the city's fill the gaps.
    """
    skip = set(exclude)
    segment_left = [p for p in segment_list if p not in skip]
    city_left = [p for p in city_list if p not in skip]
    picks: list[int] = []

    def take(candidates: Iterable[int], limit: int) -> None:
        for product in candidates:
            if len(picks) >= limit:
                return
            if product not in picks:
                picks.append(product)

    take(segment_left[:2], 2)
    take(city_left, len(picks) + 1)
    take(segment_left, n)
    take(city_left, n)
    return picks[:n]


def first_new(ranked: Sequence[int], exclude: Iterable[int], n: int = PICKS) -> list[int]:
    """The first ``n`` products of a ranked list that are not in ``exclude``."""
    skip = set(exclude)
    return [p for p in ranked if p not in skip][:n]
