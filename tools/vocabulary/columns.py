"""How result columns read to people: a label in English or Korean, a kind (a key, a count,
an amount in won, a share …) and the vocabulary that names its values.

Listed names come from ``knowledge/columns.yaml``; any other snake_case name is read word by
word with the file's word list (``pct_female`` -> "Women %", "여성 비율"), so a column a model
named on the fly still gets a readable header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import yaml

from config.settings import PROJECT_ROOT

COLUMNS_FILE = PROJECT_ROOT / "knowledge" / "columns.yaml"
Kind = Literal["id", "name", "text", "category", "time", "count", "money", "percent", "rating",
               "years", "number", "flag"]
NUMERIC_KINDS: frozenset[str] = frozenset({"count", "money", "percent", "rating", "years",
                                           "number"})
_TOKEN = re.compile(r"[A-Za-z]+|\d+")


@dataclass(frozen=True)
class ColumnMeaning:
    """What a column name says about its column; ``kind`` is None when the name alone does
    not tell (the values do)."""

    name: str
    en: str
    ko: str
    kind: Kind | None = None
    values: str | None = None  # the vocabulary naming its cells (city, segment, category …)
    part: str | None = None  # the whole this column is one part of (sentiment, gender)
    color: str | None = None

    def label(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True)
class _Word:
    en: str
    ko: str
    last: bool


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]],
                           dict[str, _Word]]:
    raw = yaml.safe_load(COLUMNS_FILE.read_text(encoding="utf-8"))
    words = {str(k): _Word(str(v["en"]), str(v["ko"]), bool(v.get("last")))
             for k, v in raw["words"].items()}
    return raw["columns"], raw["parts"], words


def _kind_from_words(tokens: list[str]) -> Kind | None:
    """The kind a name's words imply (``avg_basket_value`` is money, ``cancelled_pct`` a share)."""
    words = set(tokens)
    if words & {"pct", "percent", "share", "rate", "ratio"}:
        return "percent"
    if tokens[-1:] == ["id"] or tokens[-1:] == ["key"]:
        return "id"
    if words & {"revenue", "spend", "price", "monetary", "value", "aov", "amount"}:
        return "money"
    if words & {"rating"}:
        return "rating"
    if words & {"count", "num", "number"} or tokens[:1] == ["n"]:
        return "count"
    return None


def _read_words(tokens: list[str], lang: str) -> str | None:
    """The name's words in ``lang``; None in Korean when a word has no Korean."""
    words = _vocabulary()[2]
    front: list[str] = []
    back: list[str] = []
    for token in tokens:
        known = words.get(token)
        if known is None:
            if lang == "ko" and not token.isdigit():
                return None
            front.append(token)
            continue
        text = known.ko if lang == "ko" else known.en
        (back if known.last else front).append(text)
    joined = " ".join(w for w in [*front, *back] if w)
    return joined[:1].upper() + joined[1:] if lang == "en" else joined


@lru_cache(maxsize=1024)
def column_meaning(name: str) -> ColumnMeaning:
    """The label, kind and vocabulary of a result column, listed or read from its words."""
    columns, _, _ = _vocabulary()
    listed = columns.get(name) or columns.get(name.lower())
    if listed is not None:
        return ColumnMeaning(name=name, en=str(listed["en"]), ko=str(listed["ko"]),
                             kind=listed.get("kind"), values=listed.get("values"),
                             part=listed.get("part"), color=listed.get("color"))
    tokens = [t.lower() for t in _TOKEN.findall(name)] or [name]
    english = _read_words(tokens, "en") or name
    return ColumnMeaning(name=name, en=english, ko=_read_words(tokens, "ko") or english,
                         kind=_kind_from_words(tokens))


def part_title(part: str, lang: str) -> str:
    """The title of a whole whose parts are columns ("Review sentiment mix")."""
    titles = _vocabulary()[1].get(part, {})
    return str(titles.get(lang) or titles.get("en") or part)
