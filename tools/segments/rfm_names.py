"""Marketing names for RFM clusters, chosen deterministically from the centroids.

Each archetype in ``knowledge/rfm_archetypes.yaml`` has a profile in standard deviations
(recency, frequency, spend; positive = more recent, more orders, bigger orders). Clusters and
archetypes are matched one-to-one by the assignment with the least total distance, so the
same centroids always get the same names and no two clusters share one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import yaml
from scipy.optimize import linear_sum_assignment

from config.settings import PROJECT_ROOT

ARCHETYPES_PATH = PROJECT_ROOT / "knowledge" / "rfm_archetypes.yaml"


@dataclass(frozen=True)
class Archetype:
    name: str
    name_ko: str
    next_step: str
    next_step_ko: str
    profile: tuple[float, float, float] = (0.0, 0.0, 0.0)


@lru_cache(maxsize=1)
def archetypes() -> tuple[tuple[Archetype, ...], dict[str, Archetype]]:
    """The named archetypes, and per basis (orders, reviews) the name for customers with no
    activity."""
    raw = yaml.safe_load(ARCHETYPES_PATH.read_text(encoding="utf-8"))
    named = tuple(
        Archetype(name=a["name"], name_ko=a["name_ko"], next_step=a["next_step"],
                  next_step_ko=a["next_step_ko"],
                  profile=(a["profile"]["recency"], a["profile"]["frequency"],
                           a["profile"]["spend"]))
        for a in raw["archetypes"])
    inactive = {basis: Archetype(name=a["name"], name_ko=a["name_ko"], next_step=a["next_step"],
                                 next_step_ko=a["next_step_ko"])
                for basis, a in raw["inactive"].items()}
    return named, inactive


def name_clusters(standardised_centroids: np.ndarray) -> list[Archetype]:
    """One archetype per centroid row.

    ``standardised_centroids`` is k × 3: recency days, log frequency and log average spend,
    each standardised over the clustered customers (so recency is *negated* here: fewer days
    since the last purchase is better).
    """
    named, _ = archetypes()
    centroids = np.asarray(standardised_centroids, dtype=float).reshape(-1, 3)
    if len(centroids) > len(named):
        raise ValueError(f"At most {len(named)} clusters can be named; got {len(centroids)}. "
                         "Lower CYMBAL_RFM_K or add archetypes to knowledge/rfm_archetypes.yaml.")
    goodness = centroids * np.array([-1.0, 1.0, 1.0])
    profiles = np.array([a.profile for a in named])
    cost = np.linalg.norm(goodness[:, None, :] - profiles[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    chosen = dict(zip(rows.tolist(), cols.tolist()))
    return [named[chosen[i]] for i in range(len(centroids))]
