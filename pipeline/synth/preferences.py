"""Who buys what: product preferences per persona segment, city and spending habit.

Each (segment, city, big-spender) combination has its own probability over the catalog:
store-wide demand, tilted by the segment's age, gender and loyalty, by a few favourite titles
per segment and per city (local campus merchandise sells best at home), and towards expensive
items for big spenders. So "top products per segment or city" differ, as they should.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.synth.catalog import Catalog
from pipeline.synth.customers import N_SEGMENTS
from pipeline.synth.randomness import generator

# Multipliers by product audience (any, young, older, kids) for younger / older adults.
_AUDIENCE_TILT = {True: (1.0, 1.8, 0.6, 0.5), False: (1.0, 0.6, 1.7, 1.6)}
# Multipliers by product gender tag (any, mens, womens) for Male / Female / Other customers.
_GENDER_TILT = ((1.0, 2.5, 0.15), (1.0, 0.15, 2.5), (1.0, 0.9, 0.9))
_SEGMENT_FAVOURITES, _SEGMENT_BOOST = 6, 5.0
_CITY_FAVOURITES, _CITY_BOOST, _CAMPUS_BOOST = 3, 6.0, 8.0


@dataclass(frozen=True)
class PurchaseModel:
    """Sampling tables: row ``combo`` of ``cdf`` is the cumulative choice over the catalog,
    stored offset by the row number so one ``searchsorted`` serves every row at once."""

    cdf: np.ndarray
    n_products: int
    n_cities: int

    def combo(self, segment: np.ndarray, city: np.ndarray, big_spender: np.ndarray) -> np.ndarray:
        """The table row of each buyer."""
        return (segment.astype(np.int64) * self.n_cities + city) * 2 + big_spender

    def sample(self, rng: np.random.Generator, combo: np.ndarray) -> np.ndarray:
        """One product index per entry of ``combo``."""
        position = np.searchsorted(self.cdf, combo + rng.random(len(combo)), side="right")
        return np.minimum(position - combo * self.n_products, self.n_products - 1)


def _favourites(rng: np.random.Generator, catalog: Catalog, count: int, among: int) -> np.ndarray:
    """``count`` title indices drawn from the ``among`` most demanded titles."""
    n = catalog.n_listed
    demand = np.bincount(catalog.title_index, weights=catalog.popularity[:n])
    return rng.choice(np.argsort(-demand)[:among], size=count, replace=False)


def _segment_weights(rng: np.random.Generator, catalog: Catalog) -> np.ndarray:
    n = catalog.n_listed
    price_tilt = (catalog.price[:n] / np.median(catalog.price[:n])) ** 0.25
    weights = np.empty((N_SEGMENTS, n))
    for segment in range(N_SEGMENTS):
        younger, gender, loyal = segment < 6, (segment % 6) // 2, segment % 2 == 1
        w = np.array(_AUDIENCE_TILT[younger])[catalog.audience] * np.array(_GENDER_TILT[gender])[catalog.gender]
        if loyal:
            w = w * price_tilt
        liked = np.isin(catalog.title_index, _favourites(rng, catalog, _SEGMENT_FAVOURITES, 80))
        weights[segment] = w * np.where(liked, _SEGMENT_BOOST, 1.0)
    return weights


def _city_weights(rng: np.random.Generator, catalog: Catalog, cities: tuple[str, ...]) -> np.ndarray:
    titles = catalog.frame["title"].to_numpy(dtype=str)
    weights = np.empty((len(cities), catalog.n_listed))
    for index, city in enumerate(cities):
        liked = np.isin(catalog.title_index, _favourites(rng, catalog, _CITY_FAVOURITES, 120))
        campus = np.char.find(titles, f"{city} Campus") >= 0
        weights[index] = np.where(liked, _CITY_BOOST, 1.0) * np.where(campus, _CAMPUS_BOOST, 1.0)
    return weights


def build_purchase_model(catalog: Catalog, cities: tuple[str, ...], seed: int) -> PurchaseModel:
    """The sampling tables for ``catalog`` (deterministic for ``seed``)."""
    rng = generator(seed, "preferences")
    n = catalog.n_listed
    base = catalog.popularity[:n]
    spender_tilt = (catalog.price[:n] / np.median(catalog.price[:n])) ** 0.7
    segment = _segment_weights(rng, catalog)
    city = _city_weights(rng, catalog, cities)
    weights = (base * segment[:, None, None, :] * city[None, :, None, :]
               * np.stack([np.ones(n), spender_tilt])[None, None, :, :]).reshape(-1, n)
    cdf = np.cumsum(weights, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    offsets = np.arange(len(cdf), dtype=np.float64)[:, None]
    return PurchaseModel(cdf=(cdf + offsets).ravel(), n_products=n, n_cities=len(cities))
