"""The holdout: a share of a campaign's eligible audience kept back, never emailed, so the
campaign's effect can be measured against it.

The draw is random and reproducible (seeded by the campaign id) and stratified by persona
segment where sizes allow: a segment large enough to give at least one customer at the
configured share is drawn on its own (``round(share x size)``); the smaller segments are
pooled and drawn together. Audiences below ``campaign_holdout_min_audience`` get no holdout
(one that small could not measure anything).
"""

from __future__ import annotations

import random
from collections import defaultdict

from tools.email.context import SEGMENT_SQL
from tools.warehouse.reads import chunks, rows, sql_ints

POOLED = "(small segments pooled)"


def segments_of(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's persona segment (Younger_Adult_FEMALE_LOYAL …)."""
    found: dict[int, str] = {}
    for part in chunks([int(i) for i in customer_ids]):
        found.update({int(r["customer_id"]): str(r["segment"]) for r in rows(
            f"SELECT c.customer_id, {SEGMENT_SQL} AS segment FROM cymbal.customers AS c "
            f"WHERE c.customer_id IN ({sql_ints(part)})")})
    return found


def strata(segments: dict[int, str], share: float) -> dict[str, list[int]]:
    """The customers by stratum: their segment, or the pool of segments too small to give
    one customer at ``share``."""
    by_segment: dict[str, list[int]] = defaultdict(list)
    for customer_id, segment in sorted(segments.items()):
        by_segment[segment].append(customer_id)
    out: dict[str, list[int]] = defaultdict(list)
    for segment, members in sorted(by_segment.items()):
        out[segment if len(members) * share >= 1 else POOLED].extend(members)
    return dict(out)


def holdout_sizes(segments: dict[int, str], share: float, min_audience: int) -> dict[str, int]:
    """How many of each stratum are held out (all zero below ``min_audience``)."""
    groups = strata(segments, share)
    if len(segments) < min_audience or share <= 0:
        return {name: 0 for name in groups}
    return {name: int(round(len(members) * share)) for name, members in groups.items()}


def draw_holdout(segments: dict[int, str], campaign_id: int, share: float,
                 min_audience: int) -> dict[int, str]:
    """The held-out customers of campaign ``campaign_id`` with their stratum."""
    rng = random.Random(f"cymbal-holdout-{int(campaign_id)}")
    groups = strata(segments, share)
    sizes = holdout_sizes(segments, share, min_audience)
    return {customer_id: name for name, members in groups.items()
            for customer_id in rng.sample(members, sizes[name])}
