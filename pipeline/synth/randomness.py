"""Reproducible random streams, one per part of the dataset, and vectorised draws on them.

Every stream is a ``Generator(PCG64(...))`` seeded from the dataset seed plus a fixed key, so the
catalog does not change with the scale, and changing the number of reviews leaves customers and
orders untouched. Work done in chunks takes one stream per chunk.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("catalog", "customers", "preferences", "orders", "review_choice", "review_text",
           "consent")


def generator(seed: int, stream: str, chunk: int = 0) -> np.random.Generator:
    """The random generator of ``stream`` (and ``chunk``) for ``seed``."""
    key = np.random.SeedSequence(seed, spawn_key=(STREAMS.index(stream), chunk))
    return np.random.Generator(np.random.PCG64(key))


def categorical(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """One draw per row of ``cumulative`` (rows of cumulative probabilities ending at 1)."""
    u = rng.random(len(cumulative))
    picks = (u[:, None] >= cumulative[:, :-1]).sum(axis=1)
    return picks.astype(np.int64)


def weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Per row, column indices in a random order where heavier columns tend to come first.

    Zero-weight columns always come last (Efraimidis-Spirakis keys).
    """
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=weights.shape) / weights
    return np.argsort(keys, axis=1, kind="stable")
