"""Review text composed from phrase banks: an opener, one to three body sentences, a closer.

The sentiment and, for negative reviews, the concrete issue (a defect, a late parcel, ...)
decide which banks a review draws from; the product, the reviewer's city and small slot pools
fill the templates. About one review in ten swaps one sentence for a Korean-mixed variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.synth.catalog import PRODUCT_GROUPS
from pipeline.synth.randomness import weighted_order
from pipeline.synth.templates import TEXT, SlotValues, Template, render, text_array
from pipeline.synth.vocab import load_vocab

POLARITIES = ("positive", "neutral", "negative")
POSITIVE, NEUTRAL, NEGATIVE = range(3)
ASPECTS = ("quality", "fit", "design", "value", "delivery", "support")
ISSUES = ("quality_defect", "delivery_problem", "expectations", "changed_mind",
          "payment_problem", "support_problem")
# The aspect each issue is about; a negative review's extra sentence picks another aspect.
ISSUE_ASPECT = (0, 4, 2, -1, 3, 5)
# Where a product group without a bank of its own borrows its sentences (before the bank
# without a group).
_GROUP_FALLBACK = {"wearables": ("apparel",), "drinkware": ("goods",), "bags": ("goods",),
                   "hardware": ("goods",)}
N_CELLS = 5  # opener, three body sentences, closer
KOREAN_SHARE = 0.1
_ASPECT_WEIGHTS = np.array([1.0, 0.9, 0.9, 0.6, 0.5, 0.25])
_SLOT_POOLS = {"weeks": "weeks", "washes": "washes", "recipient": "recipients",
               "fast_days": "fast_days", "slow_days": "slow_days"}


@dataclass(frozen=True)
class PhraseBook:
    """Every template in one tuple; a bank is a contiguous run of it."""

    templates: tuple[Template, ...]
    start: np.ndarray
    size: np.ndarray
    opener: np.ndarray   # bank per polarity
    closer: np.ndarray   # bank per polarity
    aspect: np.ndarray   # bank per (aspect, polarity, group), -1 if none
    issue: np.ndarray    # bank per (issue, group)
    korean: np.ndarray   # Korean-mixed counterpart per bank, -1 if none
    pools: dict[str, np.ndarray]


@lru_cache(maxsize=1)
def phrase_book() -> PhraseBook:
    """The compiled phrase banks of ``synth_vocab/reviews.yaml``."""
    vocab = load_vocab("reviews")
    banks: dict[str, list[str]] = {}
    for polarity in POLARITIES:
        banks[f"opener.{polarity}"] = vocab["openers"][polarity]
        banks[f"closer.{polarity}"] = vocab["closers"][polarity]
    banks.update(vocab["aspects"])
    banks.update({f"issue.{key}": texts for key, texts in vocab["issues"].items()})
    banks.update({f"ko:{key}": texts for key, texts in vocab["korean"].items()})
    names = list(banks)
    index = {name: i for i, name in enumerate(names)}
    sizes = np.array([len(banks[name]) for name in names])

    def bank(key: str, group: str) -> int:
        chain = [f"{key}.{g}" for g in (group, *_GROUP_FALLBACK.get(group, ()))] + [key]
        return next((index[name] for name in chain if name in index), -1)

    aspect = np.array([[[bank(f"{a}.{p}", g) for g in PRODUCT_GROUPS] for p in POLARITIES]
                       for a in ASPECTS])
    issue = np.array([[bank(f"issue.{i}", g) for g in PRODUCT_GROUPS] for i in ISSUES])
    return PhraseBook(
        templates=tuple(Template.parse(text) for name in names for text in banks[name]),
        start=np.r_[0, np.cumsum(sizes)[:-1]], size=sizes,
        opener=np.array([index[f"opener.{p}"] for p in POLARITIES]),
        closer=np.array([index[f"closer.{p}"] for p in POLARITIES]),
        aspect=aspect, issue=issue,
        korean=np.array([index.get(f"ko:{name}", -1) for name in names]),
        pools={slot: text_array(vocab["slots"][key]) for slot, key in _SLOT_POOLS.items()},
    )


def _body_banks(rng: np.random.Generator, book: PhraseBook, sentiment: np.ndarray,
                issue: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The bank of each of the three body sentences (-1 for none)."""
    n = len(sentiment)
    weights = np.tile(_ASPECT_WEIGHTS, (n, 1))
    weights[group != PRODUCT_GROUPS.index("apparel"), ASPECTS.index("fit")] = 0.0
    negative = sentiment == NEGATIVE
    issue_aspect = np.where(negative, np.array(ISSUE_ASPECT)[np.maximum(issue, 0)], -1)
    weights[negative & (issue_aspect >= 0), issue_aspect[negative & (issue_aspect >= 0)]] = 0.0
    order = weighted_order(rng, weights)
    u = rng.random((n, 3))

    def aspect_bank(rank: int, polarity: np.ndarray | int) -> np.ndarray:
        return book.aspect[order[:, rank], polarity, group]

    n_positive = 1 + (u[:, 0] > 0.3).astype(int) + (u[:, 0] > 0.75).astype(int)
    positive = np.stack([aspect_bank(0, POSITIVE),
                         np.where(n_positive >= 2, aspect_bank(1, POSITIVE), -1),
                         np.where(n_positive >= 3, aspect_bank(2, POSITIVE), -1)], axis=1)
    neutral = np.stack([aspect_bank(0, NEUTRAL),
                        aspect_bank(1, np.where(u[:, 1] < 0.7, POSITIVE, NEUTRAL)),
                        np.where(u[:, 2] < 0.3, aspect_bank(2, NEGATIVE), -1)], axis=1)
    issue_bank = book.issue[np.maximum(issue, 0), group]
    negative_body = np.stack([issue_bank, np.where(u[:, 1] < 0.4, issue_bank, -1),
                              np.where(u[:, 2] < 0.35, aspect_bank(0, NEGATIVE), -1)], axis=1)
    return np.select([sentiment[:, None] == POSITIVE, sentiment[:, None] == NEUTRAL],
                     [positive, neutral], negative_body)


def _choose_templates(rng: np.random.Generator, book: PhraseBook, banks: np.ndarray) -> np.ndarray:
    """A template per cell from its bank; a repeated bank in the next cell gets another one."""
    valid = banks >= 0
    safe = np.where(valid, banks, 0)
    offset = np.floor(rng.random(banks.shape) * book.size[safe]).astype(np.int64)
    repeat = valid[:, 1:] & (banks[:, 1:] == banks[:, :-1])
    shifted = (offset[:, :-1] + 1 + np.floor(rng.random(repeat.shape) * (book.size[safe[:, 1:]] - 1))
               ).astype(np.int64) % book.size[safe[:, 1:]]
    offset[:, 1:] = np.where(repeat, shifted, offset[:, 1:])
    drop = np.zeros_like(valid)
    drop[:, 1:] = repeat & (book.size[safe[:, 1:]] == 1)
    return np.where(valid & ~drop, book.start[safe] + offset, -1)


def compose_reviews(rng: np.random.Generator, sentiment: np.ndarray, issue: np.ndarray,
                    product: np.ndarray, product_group: np.ndarray, city: np.ndarray,
                    product_text: dict[str, np.ndarray], city_names: np.ndarray) -> np.ndarray:
    """The review texts, one per row, as a numpy string array."""
    book = phrase_book()
    n = len(sentiment)
    group = product_group[product]
    closer = np.where(rng.random(n) < np.array([0.65, 0.5, 0.7])[sentiment], book.closer[sentiment], -1)
    banks = np.column_stack([book.opener[sentiment], _body_banks(rng, book, sentiment, issue, group),
                             closer])
    korean = np.where(banks >= 0, book.korean[np.maximum(banks, 0)], -1)
    eligible = (korean >= 0) & (rng.random(n) < KOREAN_SHARE)[:, None]
    pick = np.argmax(np.where(eligible, rng.random(banks.shape), -1.0), axis=1)
    swap = eligible[np.arange(n), pick]
    banks[swap, pick[swap]] = korean[swap, pick[swap]]

    slots = {name: SlotValues(pool, product) for name, pool in product_text.items()}
    slots["city"] = SlotValues(city_names, city)
    for name, pool in book.pools.items():
        slots[name] = SlotValues(pool, rng.integers(0, len(pool), size=n))
    choice = _choose_templates(rng, book, banks)
    cells = render(book.templates, choice.ravel(), np.repeat(np.arange(n), N_CELLS), slots)
    cells = cells.reshape(n, N_CELLS)
    text = np.full(n, "", dtype=TEXT)
    for column in range(N_CELLS):
        piece = cells[:, column]
        text = np.where(piece != "", np.strings.add(np.strings.add(text, piece), " "), text)
    return np.strings.rstrip(text)
