"""Hidden buying habits of customers, which give the orders their RFM structure.

Each customer gets one habit: how many orders they place, in which part of the year, and
whether they lean to expensive items. Loyalty members lean to the frequent habits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.synth.randomness import categorical


@dataclass(frozen=True)
class Habit:
    """How one kind of customer buys over the year (days count from 2025-01-01)."""

    name: str
    share_loyal: float      # share among loyalty members
    share_casual: float     # share among the other customers
    extra_orders: float     # mean number of orders beyond the first (0 for one-off buyers)
    first_day: tuple[int, int]   # the buying window opens on a day in this range
    span_days: tuple[int, int]   # and stays open this many days (cut at the year end)
    big_spender: bool = False


HABITS: tuple[Habit, ...] = (
    Habit("dormant", 0.04, 0.12, 0.0, (0, 1), (0, 1)),
    Habit("one_off", 0.12, 0.30, 0.0, (0, 365), (1, 2)),
    Habit("occasional", 0.20, 0.22, 1.3, (0, 250), (60, 300)),
    Habit("regular", 0.30, 0.12, 3.6, (0, 90), (220, 365)),
    Habit("champion", 0.16, 0.03, 9.5, (0, 40), (365, 366)),
    Habit("big_spender", 0.08, 0.05, 1.6, (0, 150), (120, 365), big_spender=True),
    Habit("lapsed", 0.05, 0.11, 1.2, (0, 60), (40, 120)),
    Habit("newcomer", 0.05, 0.05, 0.7, (240, 330), (365, 366)),
)
HABIT_INDEX = {habit.name: i for i, habit in enumerate(HABITS)}
DORMANT = HABIT_INDEX["dormant"]
ONE_OFF = HABIT_INDEX["one_off"]
BIG_SPENDER = np.array([habit.big_spender for habit in HABITS])
EXTRA_ORDERS = np.array([habit.extra_orders for habit in HABITS])


def assign_habits(rng: np.random.Generator, loyal: np.ndarray) -> np.ndarray:
    """A habit index per customer, drawn from the loyal or casual shares."""
    shares = np.array([[h.share_casual for h in HABITS], [h.share_loyal for h in HABITS]])
    cumulative = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    return categorical(rng, cumulative[loyal.astype(np.int64)]).astype(np.int8)


def order_counts(rng: np.random.Generator, habits: np.ndarray) -> np.ndarray:
    """Number of orders per customer: none for dormant, one for one-off, a long tail otherwise."""
    appetite = rng.gamma(shape=2.0, scale=0.5, size=len(habits))
    counts = 1 + rng.poisson(EXTRA_ORDERS[habits] * appetite)
    counts[habits == DORMANT] = 0
    counts[habits == ONE_OFF] = 1
    return counts


def buying_windows(rng: np.random.Generator, habits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per customer, the first day and the end day (exclusive) of their buying window."""
    first_low = np.array([h.first_day[0] for h in HABITS])[habits]
    first_high = np.array([h.first_day[1] for h in HABITS])[habits]
    span_low = np.array([h.span_days[0] for h in HABITS])[habits]
    span_high = np.array([h.span_days[1] for h in HABITS])[habits]
    first = rng.integers(first_low, first_high)
    span = rng.integers(span_low, span_high)
    first = np.minimum(first, 364)
    end = np.clip(first + np.maximum(span, 1), first + 1, 365)
    return first, end
