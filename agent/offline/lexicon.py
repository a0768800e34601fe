"""Bag-of-concepts features of a question, the same for English and Korean wording.

``knowledge/offline/lexicon.yaml`` maps words to concepts; a word outside it keeps its own
feature (``w:hoodie``, ``k:반려동물``) so a question about something the samples never mention
scores low instead of matching on its familiar words alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz.distance import OSA

from config.settings import PROJECT_ROOT
from tools.sql.question_words import without_particles
from tools.vocabulary.language import has_hangul

LEXICON_PATH = PROJECT_ROOT / "knowledge" / "offline" / "lexicon.yaml"
_EN_WORD = re.compile(r"[a-z0-9%]+")
_EN_COUNT = re.compile(r"\b(?:how many|number of|count of|count the|total number of)\s+"
                       r"((?:[\w-]+\s+){0,2}[\w-]+)")
_KO_COUNT = re.compile(r"몇|(?<=\s)수(?=[는를가이\s?]|$)|건수|개수|명수")
ENTITIES = ("customer", "buyer", "review", "product", "order")  # what a count can count
TYPO_MIN_LENGTH = 5  # an unknown word this long is read as a known word one slip away
_KO_WORD = re.compile(r"[\uac00-\ud7a3]+")
_WORD_SPAN = re.compile(r"[a-z0-9%]+|[\uac00-\ud7a3]+", re.I)


def stem(word: str) -> str:
    """A crude English stem: plural and possessive endings dropped."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _en_tokens(text: str) -> list[str]:
    return [stem(w) for w in _EN_WORD.findall(text.lower().replace("-", " ").replace("'s", ""))]


@lru_cache(maxsize=8192)
def korean_stem(piece: str) -> str:
    """A Korean word without its trailing particles, copula and endings, by morphological
    analysis (kiwipiepy): "배송에서" -> 배송, "점이야" -> 점, "좋아하는" -> 좋아하."""
    return without_particles(piece, endings=True)


@dataclass(frozen=True)
class Word:
    """One word of a question at ``[start, end)``: its concept features (``c:``), its own
    feature when it is outside the lexicon (``w:``/``k:``), or nothing for a stop word."""

    start: int
    end: int
    features: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    # (words, concepts) and (form, concepts), longest first
    en_phrases: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    ko_forms: tuple[tuple[str, tuple[str, ...]], ...]
    stop_en: frozenset[str]
    stop_ko: frozenset[str]
    followup_en: tuple[tuple[str, ...], ...]
    followup_ko: tuple[str, ...]
    vocabulary: frozenset[str] = frozenset()  # every word and phrase as written (speller)
    _en_single: dict[str, tuple[str, ...]] = field(init=False, compare=False, hash=False)
    _typos: dict[str, tuple[str, ...]] = field(init=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_en_single", {words[0]: concepts for words, concepts
                                                in self.en_phrases if len(words) == 1})
        object.__setattr__(self, "_typos", {})

    def _slip(self, token: str) -> tuple[str, ...]:
        """The concepts of the known word one slip from ``token`` ("reviwes", "custmer"),
        if exactly one such word has concepts of its own."""
        if len(token) < TYPO_MIN_LENGTH or not token.isalpha():
            return ()
        if token not in self._typos:
            close = {concepts for word, concepts in self._en_single.items()
                     if abs(len(word) - len(token)) <= 1 and len(word) >= TYPO_MIN_LENGTH
                     and OSA.distance(word, token, score_cutoff=1) <= 1}
            self._typos[token] = next(iter(close)) if len(close) == 1 else ()
        return self._typos[token]

    def features(self, text: str) -> set[str]:
        """Concepts (``c:``) and unknown words (``w:`` English, ``k:`` Korean) of ``text``."""
        found: set[str] = set()
        rest = text.lower()
        for form, concepts in self.ko_forms:
            if form in rest:
                found.update(f"c:{c}" for c in concepts)
                rest = rest.replace(form, " ")
        tokens = _en_tokens(rest)
        i = 0
        while i < len(tokens):
            for words, concepts in self.en_phrases:
                if tuple(tokens[i:i + len(words)]) == words:
                    found.update(f"c:{c}" for c in concepts)
                    i += len(words)
                    break
            else:
                word = tokens[i]
                if word not in self.stop_en and not word.isdigit():
                    slip = self._slip(word)
                    found.update({f"c:{c}" for c in slip} if slip else {f"w:{word}"})
                i += 1
        for piece in _KO_WORD.findall(rest):
            piece = korean_stem(piece)
            if len(piece) >= 2 and piece not in self.stop_ko:
                found.add(f"k:{piece}")
        return found

    def words(self, text: str) -> list[Word]:
        """The words of ``text`` with their features, read like ``features`` reads them: a
        Korean word carries the concepts of the forms inside it, English phrases give their
        concepts to each of their words."""
        lowered = text.lower()
        rest = lowered
        korean: list[tuple[int, int, tuple[str, ...]]] = []
        for form, concepts in self.ko_forms:
            for match in re.finditer(re.escape(form), rest):
                korean.append((match.start(), match.end(), concepts))
            rest = rest.replace(form, " " * len(form))
        words: list[Word] = []
        english: list[tuple[int, int, str]] = []
        for match in _WORD_SPAN.finditer(lowered):
            start, end, piece = match.start(), match.end(), match.group()
            found = {f"c:{c}" for s, e, concepts in korean if s < end and e > start
                     for c in concepts}
            if _KO_WORD.search(piece):
                bare = korean_stem(piece)
                if not found and len(bare) >= 2 and bare not in self.stop_ko:
                    found.add(f"k:{bare}")
                words.append(Word(start, end, frozenset(found)))
            else:
                english.append((start, end, stem(piece)))
        i = 0
        while i < len(english):
            tokens = tuple(token for _, _, token in english[i:])
            for phrase, concepts in self.en_phrases:
                if tokens[:len(phrase)] == phrase:
                    for start, end, _ in english[i:i + len(phrase)]:
                        words.append(Word(start, end, frozenset(f"c:{c}" for c in concepts)))
                    i += len(phrase)
                    break
            else:
                start, end, token = english[i]
                unknown = token not in self.stop_en and not token.isdigit()
                slip = self._slip(token) if unknown else ()
                features = {f"c:{c}" for c in slip} if slip else \
                    ({f"w:{token}"} if unknown else set())
                words.append(Word(start, end, frozenset(features)))
                i += 1
        return sorted(words, key=lambda w: w.start)

    def count_target(self, text: str) -> str | None:
        """What a "how many" question counts: ``t:review`` for "How many reviews …",
        ``t:customer`` for "리뷰를 쓴 고객은 몇 명"."""
        lowered = text.lower()
        if match := _EN_COUNT.search(lowered):
            for word in _en_tokens(match.group(1)):
                concepts = self._en_single.get(word, ())
                found = [c for c in concepts if c in ENTITIES]
                if found:
                    return f"t:{found[0]}"
        marker = _KO_COUNT.search(text)
        if marker:
            before = text[: marker.start()]
            best: tuple[int, str] | None = None
            for form, concepts in self.ko_forms:
                at = before.rfind(form)
                entity = next((c for c in concepts if c in ENTITIES), None)
                if at >= 0 and entity and (best is None or at > best[0]):
                    best = (at, entity)
            if best:
                return f"t:{best[1]}"
        return None

    def is_followup(self, text: str) -> bool:
        """Whether ``text`` reads as a refinement of the previous question."""
        tokens = _en_tokens(text)
        joined = f" {' '.join(tokens)} "
        if any(f" {' '.join(words)} " in joined for words in self.followup_en):
            return True
        return any(form in text for form in self.followup_ko)


@lru_cache(maxsize=2)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    en: dict[tuple[str, ...], set[str]] = {}
    ko: dict[str, set[str]] = {}
    written: set[str] = set()
    for concept, forms in raw["concepts"].items():  # a word may stand for several concepts
        for word in [*forms.get("en", ()), *forms.get("ko", ())]:
            word = str(word)
            written.add(word)
            if has_hangul(word):
                ko.setdefault(word.lower(), set()).add(concept)
            elif words := tuple(_en_tokens(word)):
                en.setdefault(words, set()).add(concept)
    return Lexicon(
        en_phrases=tuple(sorted(((w, tuple(sorted(c))) for w, c in en.items()),
                                key=lambda wc: -len(wc[0]))),
        ko_forms=tuple(sorted(((f, tuple(sorted(c))) for f, c in ko.items()),
                              key=lambda fc: -len(fc[0]))),
        stop_en=frozenset(stem(str(w)) for w in raw["stop"]["en"]),
        stop_ko=frozenset(str(w) for w in raw["stop"]["ko"]),
        followup_en=tuple(tuple(_en_tokens(str(p))) for p in raw["followup"]["en"]),
        followup_ko=tuple(str(p) for p in raw["followup"]["ko"]),
        vocabulary=frozenset(written),
    )
