"""The words of campaign descriptions and edits (``knowledge/campaigns/chat_terms.yaml``) and
how they are found in a marketer's text, in English and Korean."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from config.settings import PROJECT_ROOT
from tools.vocabulary.cities import city_spellings
from tools.vocabulary.language import has_hangul

TERMS_FILE = PROJECT_ROOT / "knowledge" / "campaigns" / "chat_terms.yaml"
_PARTICLE = r"(?:(?:으로|로|은|는|이|가|을|를|에서|에|의|도)(?![\uac00-\ud7a3]))?"


class AudienceError(ValueError):
    """An audience that cannot be resolved; the message says what to change (and ``ko`` the
    same in Korean, for a Korean request)."""

    def __init__(self, message: str, ko: str = "") -> None:
        super().__init__(message)
        self.ko = ko


@lru_cache(maxsize=1)
def chat_terms() -> dict[str, Any]:
    terms = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    terms["audience"]["cities"] = {city: [city.lower(), *names]
                                   for city, names in city_spellings().items()}
    return terms


def find_terms(text: str, options: dict[str, list[str]]) -> tuple[list[str], str]:
    """The option keys whose terms occur in ``text`` (longest terms first), and the text
    with the matched terms blanked so a shorter term cannot match inside them."""
    pairs = sorted(((str(term).lower(), key) for key, terms in options.items() for term in terms),
                   key=lambda pair: -len(pair[0]))
    found: list[str] = []
    for term, key in pairs:
        pattern = re.escape(term)
        if term.isascii() and term[:1].isalnum():
            pattern = rf"(?<![\w-]){pattern}(?![\w-])"
        elif has_hangul(term):  # "한국어로": the particle goes with the word
            pattern += _PARTICLE
        if re.search(pattern, text):
            text = re.sub(pattern, " ", text)
            if key not in found:
                found.append(key)
    return found, text


_KOREAN_NAMES = {"loyalty": "로열티", "age group": "연령대", "gender": "성별", "kind of buyer": "구매자 유형"}


def one_of(found: list[str], what: str) -> str | None:
    """The single value a description names for ``what``; more than one is an error."""
    if len(found) > 1:
        raise AudienceError(f"The description names more than one {what} ({', '.join(found)}); "
                            "describe one group per campaign.",
                            f"설명에 {_KOREAN_NAMES.get(what, what)} 값이 둘 이상입니다"
                            f"({', '.join(found)}). 캠페인 하나에 한 그룹만 설명해 주세요.")
    return found[0] if found else None
