"""Synthetic social-media reviews of products, mostly by customers who bought them.

A review's hidden sentiment follows what happened to the order (returned, cancelled, still in
transit), the product's defect rate, the customer's habit and city; about one review in eight
carries a star rating that contradicts its text, as in the lab's data. None of that hidden
truth reaches the table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.synth.behaviour import HABIT_INDEX
from pipeline.synth.catalog import Catalog
from pipeline.synth.customers import N_SEGMENTS, Customers
from pipeline.synth.orders import CANCELLED, PROCESSING, RETURNED, SHIPPED, Orders
from pipeline.synth.preferences import PurchaseModel
from pipeline.synth.randomness import categorical, generator
from pipeline.synth.review_text import (
    ISSUES,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    compose_reviews,
)
from pipeline.synth.templates import TEXT, join, text_array
from pipeline.synth.timeline import (
    LAST_SECOND,
    SECONDS_PER_DAY,
    as_datetimes,
    sample_days,
    sample_times,
)

SOURCES = ("Facebook", "YouTube", "Instagram", "X", "Twitter", "Blog", "Naver Cafe", "Threads")
_SOURCE_WEIGHTS = {True: (0.8, 1.3, 1.5, 1.2, 0.9, 0.6, 0.7, 1.2),   # younger adults
                   False: (1.4, 1.0, 0.9, 0.8, 1.0, 1.3, 1.4, 0.6)}
FIRST_LOCATION = 5001
_LOCATION_SHARES = np.array([11, 10, 14, 9, 8, 10, 7, 8, 12, 11]) / 100
CHUNK_REVIEWS = 100_000
UNLINKED_SHARE = 0.05          # reviews not tied to one of the reviewer's order lines
MISSING_PRODUCT_SHARE = 0.003  # reviews of products no longer in the catalog
SENTIMENT_SHARES = (0.55, 0.15, 0.30)
CONTRADICTION_RATE = 0.12
_REVIEW_PROPENSITY = {RETURNED: 4.0, CANCELLED: 2.5}
_ISSUE_BASE = np.array([0.26, 0.22, 0.20, 0.08, 0.08, 0.16])  # in the order of ISSUES
_SLOW_DELIVERY_CITIES = {"Jeju": 0.4, "Pohang": 0.2, "Gimhae": 0.15}


def _pick_lines(rng: np.random.Generator, orders: Orders, n: int) -> np.ndarray:
    """``n`` distinct order lines, unhappy outcomes more likely to be reviewed."""
    weight = np.ones(len(orders.status))
    for status, propensity in _REVIEW_PROPENSITY.items():
        weight[orders.status == status] = propensity
    keys = rng.exponential(size=len(weight)) / weight
    return np.sort(np.argpartition(keys, n - 1)[:n]) if n else np.empty(0, np.int64)


def _sentiment(rng: np.random.Generator, status: np.ndarray, defect: np.ndarray,
               customers: Customers, reviewer: np.ndarray, city_bias: np.ndarray) -> np.ndarray:
    """Hidden sentiment by rank of a grumpiness score, in the target shares.

    ``city_bias`` is per review: reviewers in cities with slow deliveries are a little grumpier.
    """
    habit = customers.habit[reviewer]
    segment_bias = rng.normal(0.0, 0.2, size=N_SEGMENTS)
    score = (rng.normal(size=len(status)) + 2.0 * (status == RETURNED) + 1.6 * (status == CANCELLED)
             + 0.8 * (status == PROCESSING) + 4.0 * defect
             + 0.7 * (habit == HABIT_INDEX["lapsed"]) - 0.3 * (habit == HABIT_INDEX["champion"])
             + 0.25 * ~customers.loyal[reviewer] + segment_bias[customers.segment[reviewer]]
             + city_bias)
    rank = np.empty(len(score), dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(len(score))
    negative_until = round(SENTIMENT_SHARES[NEGATIVE] * len(score))
    neutral_until = negative_until + round(SENTIMENT_SHARES[NEUTRAL] * len(score))
    return np.where(rank < negative_until, NEGATIVE, np.where(rank < neutral_until, NEUTRAL, POSITIVE))


def _issues(rng: np.random.Generator, sentiment: np.ndarray, status: np.ndarray,
            defect: np.ndarray, city_bias: np.ndarray) -> np.ndarray:
    """The concrete problem behind each negative review (-1 for the others)."""
    odds = np.tile(_ISSUE_BASE, (len(status), 1))
    column = {name: i for i, name in enumerate(ISSUES)}
    odds[:, column["quality_defect"]] *= 1 + 8 * defect
    odds[:, column["delivery_problem"]] *= 1 + 3 * city_bias
    returned, cancelled = status == RETURNED, status == CANCELLED
    in_transit = (status == PROCESSING) | (status == SHIPPED)
    odds[returned, column["changed_mind"]] *= 4
    odds[returned, column["expectations"]] *= 2
    odds[cancelled, column["payment_problem"]] *= 6
    odds[cancelled, column["support_problem"]] *= 2
    odds[cancelled, column["quality_defect"]] = 0.0
    odds[in_transit, column["delivery_problem"]] *= 5
    cumulative = np.cumsum(odds / odds.sum(axis=1, keepdims=True), axis=1)
    return np.where(sentiment == NEGATIVE, categorical(rng, cumulative), -1)


def _ratings(rng: np.random.Generator, sentiment: np.ndarray) -> np.ndarray:
    """Stars that mostly agree with the text; some contradict it outright."""
    u = rng.random(len(sentiment))
    agree = np.select([sentiment == POSITIVE, sentiment == NEUTRAL],
                      [np.where(u < 0.6, 5, 4), np.where(u < 0.7, 3, np.where(u < 0.85, 2, 4))],
                      np.where(u < 0.55, 1, 2))
    flip = rng.random(len(sentiment)) < CONTRADICTION_RATE
    contradict = np.select([sentiment == POSITIVE, sentiment == NEUTRAL],
                           [np.where(u < 0.6, 1, 2), np.where(u < 0.5, 1, 5)], np.where(u < 0.5, 5, 4))
    return np.where(flip, contradict, agree).astype(np.int64)


def _handles(rng: np.random.Generator, customers: Customers, reviewer: np.ndarray,
             seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Source per review and a stable handle per (customer, source): '@XUser_1150_633'."""
    younger = customers.younger[reviewer]
    weights = np.array([_SOURCE_WEIGHTS[True], _SOURCE_WEIGHTS[False]])
    weights = weights / weights.sum(axis=1, keepdims=True)
    source = categorical(rng, np.cumsum(weights, axis=1)[np.where(younger, 0, 1)])
    customer_id = customers.ids[reviewer]
    digits = 100 + (customer_id * 7919 + source * 104_729 + seed % 900 * 31) % 900
    prefix = text_array([f"@{name.replace(' ', '')}User_" for name in SOURCES])
    handle = join(prefix[source], customer_id.astype(TEXT), "_", digits.astype(TEXT))
    return source, handle


def _subjects(rng: np.random.Generator, customers: Customers, catalog: Catalog,
              model: PurchaseModel, orders: Orders,
              n_reviews: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Who reviews what and when: reviewer and product indices, order status (-1 when the
    review is not tied to an order line) and seconds since 2025-01-01.

    Most reviews follow one of the reviewer's order lines, a few days to weeks after it (or
    before the year ends); the rest come from random customers about products they might like,
    a handful about discontinued products.
    """
    n_linked = min(n_reviews - round(n_reviews * UNLINKED_SHARE), len(orders.status))
    n_unlinked = n_reviews - n_linked
    n_missing = min(round(n_reviews * MISSING_PRODUCT_SHARE), n_unlinked)
    lines = _pick_lines(rng, orders, n_linked)
    stray = rng.integers(0, len(customers.ids), size=n_unlinked)
    stray_combo = model.combo(customers.segment[stray], customers.city[stray],
                              np.zeros(n_unlinked, dtype=np.int64))
    stray_product = model.sample(rng, stray_combo)
    stray_product[:n_missing] = catalog.n_listed + rng.integers(
        0, len(catalog.product_id) - catalog.n_listed, size=n_missing)

    bought = orders.seconds[lines]
    delay = rng.integers(2 * SECONDS_PER_DAY, 40 * SECONDS_PER_DAY, size=n_linked)
    before_year_end = bought + (rng.random(n_linked) * (LAST_SECOND - bought + 1)).astype(np.int64)
    linked_seconds = np.where(bought + delay > LAST_SECOND, before_year_end, bought + delay)
    stray_days = sample_days(rng, np.zeros(n_unlinked, np.int64), np.full(n_unlinked, 365))
    return (np.r_[orders.customer[lines], stray].astype(np.int64),
            np.r_[orders.product[lines], stray_product].astype(np.int64),
            np.r_[orders.status[lines], np.full(n_unlinked, -1)],
            np.r_[linked_seconds, sample_times(rng, stray_days)])


def generate_reviews(customers: Customers, catalog: Catalog, model: PurchaseModel, orders: Orders,
                     n_reviews: int, seed: int,
                     progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """``n_reviews`` reviews; ``progress(reviews_done, n_reviews)`` as texts are written."""
    rng = generator(seed, "review_choice")
    reviewer, product, status, seconds = _subjects(rng, customers, catalog, model, orders, n_reviews)
    city_bias = np.array([_SLOW_DELIVERY_CITIES.get(city, 0.0) for city in customers.cities])
    reviewer_bias = city_bias[customers.city[reviewer]]
    defect = catalog.defect[product]
    sentiment = _sentiment(rng, status, defect, customers, reviewer, reviewer_bias)
    issue = _issues(rng, sentiment, status, defect, reviewer_bias)
    rating = _ratings(rng, sentiment)
    source, handle = _handles(rng, customers, reviewer, seed)
    location = FIRST_LOCATION + rng.choice(len(_LOCATION_SHARES), size=n_reviews, p=_LOCATION_SHARES)

    order = np.argsort(seconds, kind="stable")
    reviewer, product, seconds, sentiment, issue = (a[order] for a in (reviewer, product, seconds,
                                                                       sentiment, issue))
    city_names = text_array(customers.cities)
    texts = np.empty(n_reviews, dtype=object)
    if progress:
        progress(0, n_reviews)
    for chunk, start in enumerate(range(0, n_reviews, CHUNK_REVIEWS)):
        rows = slice(start, min(start + CHUNK_REVIEWS, n_reviews))
        texts[rows] = compose_reviews(
            generator(seed, "review_text", chunk), sentiment[rows], issue[rows], product[rows],
            catalog.group, customers.city[reviewer[rows]], catalog.text, city_names,
        ).astype(object)
        if progress:
            progress(rows.stop, n_reviews)
    return pd.DataFrame({
        "customer_review_id": np.arange(1, n_reviews + 1, dtype=np.int64),
        "customer_id": customers.ids[reviewer],
        "location_id": location[order].astype(np.int64),
        "review_datetime": as_datetimes(seconds),
        "review_text": texts,
        "social_media_source": np.array(SOURCES, dtype=object)[source[order]],
        "social_media_handle": handle[order].astype(object),
        "product_id": catalog.product_id[product],
        "rating": rating[order],
    })
