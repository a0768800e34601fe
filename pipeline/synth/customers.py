"""Synthetic customers: names, unique emails, gender, city, age, loyalty, marketing consent,
and a hidden habit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.synth.behaviour import assign_habits
from pipeline.synth.randomness import generator
from pipeline.synth.templates import TEXT, join, text_array
from pipeline.synth.vocab import load_vocab, unique_in_order

FIRST_CUSTOMER_ID = 1001
GENDERS = ("Male", "Female", "Other")
GENDER_SHARES = (0.34, 0.33, 0.33)
# Cities not listed weigh 1; the capital region is a little bigger.
CITY_WEIGHTS = {"Seoul": 1.5, "Busan": 1.15, "Incheon": 1.1}
AGE_RANGE = (18, 70)
YOUNGER_BELOW = 40
N_SEGMENTS = 12
# Share of customers who opted in to marketing email (loyalty members a little more often).
# Drawn on a stream of its own, so adding it left every other column as it was.
CONSENT_RATE = {True: 0.92, False: 0.8}


@dataclass(frozen=True)
class Customers:
    """The customers table plus what the generator knows about each row but never publishes."""

    frame: pd.DataFrame
    cities: tuple[str, ...]
    ids: np.ndarray
    city: np.ndarray      # index into ``cities``
    segment: np.ndarray   # persona segment index, see ``segment_index``
    habit: np.ndarray     # index into ``behaviour.HABITS``
    younger: np.ndarray
    loyal: np.ndarray


def segment_index(younger: np.ndarray, gender: np.ndarray, loyal: np.ndarray) -> np.ndarray:
    """The persona segment ``{Younger|Older}_Adult_{GENDER}_{LOYAL|NON_LOYAL}`` as 0..11."""
    return ((~younger).astype(np.int64) * 6 + gender.astype(np.int64) * 2 + loyal.astype(np.int64))


def _popular_first(rng: np.random.Generator, size: int, n: int, flatness: float) -> np.ndarray:
    """Indices into a list ordered by popularity: earlier entries are drawn more often."""
    weights = 1.0 / (np.arange(size) + flatness)
    return rng.choice(size, size=n, p=weights / weights.sum())


def _first_names(rng: np.random.Generator, gender: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A first-name index per customer, matching the gender, and the pool it indexes."""
    names = load_vocab("names")["first_names"]
    male, female = unique_in_order(names["male"]), unique_in_order(names["female"])
    anyone = unique_in_order(names["unisex"] + male[:60] + female[:60])
    pool = unique_in_order(male + female + anyone)
    position = {name: i for i, name in enumerate(pool)}
    first = np.empty(len(gender), dtype=np.int64)
    for code, names_for_gender in enumerate((male, female, anyone)):
        rows = np.flatnonzero(gender == code)
        lookup = np.array([position[name] for name in names_for_gender])
        first[rows] = lookup[_popular_first(rng, len(lookup), len(rows), flatness=8.0)]
    return first, text_array(pool)


def _emails(first: np.ndarray, last: np.ndarray, first_pool: np.ndarray,
            last_pool: np.ndarray) -> np.ndarray:
    """``first.last@example.com``, with a number from the second holder of a name on."""
    key = first * len(last_pool) + last
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    group_start = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    group_of = np.cumsum(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) - 1
    repeat = np.empty(len(key), dtype=np.int64)
    repeat[order] = np.arange(len(key)) - group_start[group_of]
    suffix = np.where(repeat > 0, (repeat + 1).astype(TEXT), "").astype(TEXT)
    local = join(np.strings.lower(first_pool)[first], ".", np.strings.lower(last_pool)[last], suffix)
    return join(local, "@example.com")


def _consent(seed: int, loyal: np.ndarray) -> np.ndarray:
    """Who agreed to marketing email: most customers, a realistic minority not."""
    rate = np.where(loyal, CONSENT_RATE[True], CONSENT_RATE[False])
    return generator(seed, "consent").random(len(loyal)) < rate


def generate_customers(n: int, seed: int, cities: tuple[str, ...]) -> Customers:
    """``n`` customers with ids from 1001, living in ``cities``."""
    rng = generator(seed, "customers")
    gender = rng.choice(len(GENDERS), size=n, p=GENDER_SHARES)
    city_weights = np.array([CITY_WEIGHTS.get(city, 1.0) for city in cities])
    city = rng.choice(len(cities), size=n, p=city_weights / city_weights.sum())
    age = rng.integers(AGE_RANGE[0], AGE_RANGE[1] + 1, size=n)
    loyal = rng.random(n) < 0.5
    first, first_pool = _first_names(rng, gender)
    last_pool = text_array(unique_in_order(load_vocab("names")["last_names"]))
    last = _popular_first(rng, len(last_pool), n, flatness=15.0)
    younger = age < YOUNGER_BELOW
    ids = np.arange(FIRST_CUSTOMER_ID, FIRST_CUSTOMER_ID + n, dtype=np.int64)
    frame = pd.DataFrame({
        "customer_id": ids,
        "first_name": first_pool[first].astype(object),
        "last_name": last_pool[last].astype(object),
        "email": _emails(first, last, first_pool, last_pool).astype(object),
        "gender": np.array(GENDERS, dtype=object)[gender],
        "address_city": np.array(cities, dtype=object)[city],
        "age": age.astype(np.int64),
        "loyalty_member": loyal,
        "marketing_consent": _consent(seed, loyal),
    })
    return Customers(frame=frame, cities=cities, ids=ids, city=city,
                     segment=segment_index(younger, gender, loyal),
                     habit=assign_habits(rng, loyal), younger=younger, loyal=loyal)
