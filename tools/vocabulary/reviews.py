"""The closed vocabularies of review data and how people write them.

Issue categories (the lab's Korean names, with English names and aliases), sentiments,
customer cities in English or Korean, product categories and persona segments: each is read
from ``knowledge/reviews/`` and resolved leniently, with the closest valid values returned
when a name is not recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from config.settings import PROJECT_ROOT
from tools.vocabulary.cities import city_spellings
from tools.vocabulary.segments import SEGMENTS, matching_segments, read_segment_parts
from tools.warehouse.catalog import closest

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge" / "reviews"
NO_ISSUE = "해당없음"
OTHER_ISSUE = "기타"


@dataclass(frozen=True)
class IssueCategory:
    """One issue category as ``knowledge/reviews/issue_categories.yaml`` describes it."""

    key: str  # the Korean name stored in the warehouse
    name: str  # English name
    aliases: tuple[str, ...]
    description: str
    cues: tuple[tuple[str, float], ...]
    improvement: str


class VocabularyError(ValueError):
    """A value that is not in a closed vocabulary; ``suggestions`` holds the closest ones."""

    def __init__(self, code: str, message: str, suggestions: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.suggestions = suggestions


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((KNOWLEDGE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def issue_categories() -> dict[str, IssueCategory]:
    """Every issue category by its Korean key, in the file's order."""
    raw = _load("issue_categories")["categories"]
    return {key: IssueCategory(
        key=key, name=body["name"], aliases=tuple(body.get("aliases", ())),
        description=" ".join(str(body.get("description", "")).split()),
        cues=tuple((str(cue).lower(), float(weight)) for cue, weight in body.get("cues", ())),
        improvement=str(body.get("improvement", "")).strip(),
    ) for key, body in raw.items()}


@lru_cache(maxsize=1)
def search_terms() -> dict[str, dict[str, list[str]]]:
    """The alternative names of cities, product categories, sentiments and aspects."""
    return {**_load("search_terms"), "cities": city_spellings()}


@lru_cache(maxsize=1)
def korean_glossary() -> dict[str, str]:
    """Korean shopping words (stems) and their English meaning."""
    return {str(k): str(v) for k, v in _load("korean_glossary").items()}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-\[\]]+", " ", str(text).strip().lower()).strip()


def _resolve(value: str, names: dict[str, list[str]], code: str, what: str) -> str:
    """The canonical key whose name or alternative spelling equals ``value``."""
    wanted = _norm(value)
    for key, alternatives in names.items():
        if wanted in {_norm(key), *(_norm(a) for a in alternatives)}:
            return key
    spellings = {_norm(a): key for key, alts in names.items() for a in [key, *alts]}
    near = closest(wanted, list(spellings), n=5)
    suggestions = list(dict.fromkeys(spellings[s] for s in near)) or list(names)
    raise VocabularyError(code, f"Unknown {what} {value!r}.", suggestions[:5])


def resolve_issue_category(value: str) -> str:
    """The Korean key of an issue category written in Korean or English ("delivery")."""
    names = {key: [cat.name, *cat.aliases] for key, cat in issue_categories().items()}
    return _resolve(value, names, "unknown_issue_category", "issue category")


def resolve_sentiment(value: str) -> str:
    """positive, negative or neutral, from English or Korean words."""
    return _resolve(value, search_terms()["sentiments"], "unknown_sentiment", "sentiment")


def resolve_city(value: str) -> str:
    """The English city name stored in customers.address_city ("서울" -> "Seoul")."""
    return _resolve(value, search_terms()["cities"], "unknown_city", "city")


def resolve_product_category(value: str) -> str:
    """The bare product category name ("[Bags]", "가방" -> "Bags")."""
    return _resolve(value, search_terms()["product_categories"], "unknown_category",
                    "product category")


def resolve_segments(value: str) -> list[str]:
    """The persona segments a name picks: an exact name (Younger_Adult_FEMALE_LOYAL) gives
    one; parts in English or Korean ("younger loyal women", "젊은 여성") give every segment
    that has them."""
    wanted = _norm(value)
    exact = [seg for seg in SEGMENTS if _norm(seg) == wanted]
    if exact:
        return exact
    parts = read_segment_parts(value)
    if not parts:
        return [_resolve(value, {segment: [] for segment in SEGMENTS}, "unknown_segment",
                         "persona segment")]
    return matching_segments(parts)


