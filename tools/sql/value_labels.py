"""Stored values as people name them, in English or Korean: a city (Busan -> 부산), a persona
segment (Younger_Adult_FEMALE_LOYAL -> Young loyal women), a catalog category ([Bags] -> Bags),
a complaint type (배송문제 -> Delivery problem) or a value of the glossary (IN_STOCK -> In
stock). Result tables, cards and the offline model's answers all name values through here."""

from __future__ import annotations

import re
from typing import Any

from tools.sql.knowledge import load_glossary
from tools.vocabulary.reviews import issue_categories
from tools.vocabulary.segments import city_name, display_name

_CODE = re.compile(r"[\[_]|^[A-Z]+$")  # a stored code: [Bags], IN_STOCK, LOYAL
SEGMENT_CODE = re.compile(r"\b(?:Younger|Older)_Adult_(?:MALE|FEMALE|OTHER)_(?:NON_)?LOYAL\b")
CATEGORY_CODE = re.compile(r"\[([A-Z][A-Za-z ]*)\]")


def value_label(vocabulary: str, value: Any, lang: str) -> str:
    """A stored value as people name it in ``lang``; English words stay as stored (Female,
    not "women")."""
    text = ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value)
    if vocabulary == "city":
        return city_name(text, lang)
    if vocabulary == "segment":
        return display_name(text, lang)
    if vocabulary == "issue_category":
        known = issue_categories().get(text)
        return text if lang == "ko" or known is None else known.name[:1].upper() + known.name[1:]
    if lang == "en" and not _CODE.search(text):
        return text[:1].upper() + text[1:]  # a stored word reads as it is: Female, Complete
    label = load_glossary().label(vocabulary, text, lang)
    return label[:1].upper() + label[1:] if lang == "en" else label


def plain_words(text: str, lang: str) -> str:
    """``text`` with every persona segment code and bracketed catalog category in it named
    as a marketer would name them in ``lang`` (and, in English, the lab's Korean complaint
    types by their English names)."""
    text = SEGMENT_CODE.sub(lambda m: display_name(m.group(), lang), text)
    text = CATEGORY_CODE.sub(lambda m: load_glossary().label("category", m.group(), lang)
                             .removeprefix("[").removesuffix("]"), text)
    if lang == "en":
        for code, issue in issue_categories().items():
            text = text.replace(code, issue.name)
    return text
