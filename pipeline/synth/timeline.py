"""The calendar year 2025 that every generated event falls in, with its seasonal rhythm."""

from __future__ import annotations

import numpy as np

YEAR_START = np.datetime64("2025-01-01T00:00:00", "s")
DAYS_IN_YEAR = 365
SECONDS_PER_DAY = 86_400
LAST_SECOND = DAYS_IN_YEAR * SECONDS_PER_DAY - 1

# Relative shopping activity by month (November sales, December gifts, a quiet February).
_MONTH_ACTIVITY = (0.9, 0.8, 0.95, 1.0, 1.05, 0.95, 1.0, 0.95, 1.05, 1.0, 1.35, 1.3)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Relative activity by hour of day (Korea time): lunch and evening peaks.
_HOUR_ACTIVITY = (0.5, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.1, 1.3,
                  1.5, 1.3, 1.1, 1.1, 1.2, 1.3, 1.5, 1.8, 2.1, 2.2, 1.8, 1.0)


def _cumulative(weights: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate(([0.0], np.cumsum(weights)))
    return cumulative / cumulative[-1]


def _day_weights() -> np.ndarray:
    by_day = np.repeat(np.array(_MONTH_ACTIVITY), _MONTH_DAYS)
    weekday = (np.arange(DAYS_IN_YEAR) + 2) % 7  # 2025-01-01 is a Wednesday (Monday = 0)
    return by_day * np.where(weekday >= 5, 1.15, 1.0)


DAY_CDF = _cumulative(_day_weights())
HOUR_CDF = _cumulative(np.array(_HOUR_ACTIVITY))


def sample_days(rng: np.random.Generator, first: np.ndarray, end: np.ndarray) -> np.ndarray:
    """One day of the year per row in ``[first, end)``, following the seasonal rhythm."""
    low, high = DAY_CDF[first], DAY_CDF[end]
    day = np.searchsorted(DAY_CDF, low + rng.random(len(first)) * (high - low), side="right") - 1
    return np.clip(day, first, end - 1)


def sample_times(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Seconds since the start of the year: ``days`` plus a time of day (busier evenings)."""
    hours = np.searchsorted(HOUR_CDF, rng.random(len(days)), side="right") - 1
    seconds = rng.integers(0, 3600, size=len(days))
    return days.astype(np.int64) * SECONDS_PER_DAY + hours * 3600 + seconds


def as_datetimes(seconds: np.ndarray) -> np.ndarray:
    """``seconds`` since the start of 2025 as ``datetime64[s]`` values."""
    return YEAR_START + seconds.astype("timedelta64[s]")
