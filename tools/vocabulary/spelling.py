"""Reading past typos: a misspelt word of a question becomes the vocabulary word it stands for.

One pass over the question before anything else reads it, so every reader (values, the
question's words, stored questions, tool cues) sees the same corrected text and the answer
can say what it corrected ("Read 'Incehon' as 'Incheon'").

- An English word is corrected only when it is not a word people commonly write (wordfreq's
  frequency list, carried by its PyPI package) nor a known value, and exactly one
  vocabulary word starting with the same letter is one slip away (two for long words):
  "membrs" -> members, "drinkwear" -> drinkware, but "makes" never becomes "males".
- A Korean word is compared letter by letter (jamo), so a slip inside a syllable counts as
  one: "서을" -> 서울, "상퓸" -> 상품, "고갹이" -> 고객이 (the particle stays). A Korean phrase
  of the vocabulary also corrects a real word in it: "휴먼 1회 구매 고객" -> "휴면 1회 구매 고객".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA
from wordfreq import get_frequency_dict

from tools.vocabulary.language import has_hangul

COMMON_ZIPF = 3.0  # an English word at least this frequent (Zipf scale) is never corrected
MIN_ENGLISH = 5  # shorter English words are left alone ("bag", "men")
LONG_ENGLISH = 8  # from this length two slips are read as the word ("drinkwear")
MIN_KOREAN_PHRASE = 5  # syllables a Korean phrase needs to correct a real word in it
_ENGLISH_WORD = re.compile(r"[A-Za-z]+")
_KOREAN_WORD = re.compile(r"[\uac00-\ud7a3]+")
_SYLLABLES = 0xAC00


@dataclass(frozen=True)
class Correction:
    written: str
    read_as: str


@dataclass(frozen=True)
class Spelled:
    text: str
    corrections: tuple[Correction, ...] = ()


def jamo(text: str) -> str:
    """Hangul syllables split into their letters (initial, medial, final), other
    characters kept: one wrong letter inside a syllable is one edit, not a whole syllable."""
    out = []
    for ch in text:
        code = ord(ch) - _SYLLABLES
        if 0 <= code < 11172:
            initial, rest = divmod(code, 588)
            medial, final = divmod(rest, 28)
            out.append(chr(0x1100 + initial) + chr(0x1161 + medial)
                       + (chr(0x11A7 + final) if final else ""))
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, float], dict[str, float]]:
    return get_frequency_dict("en"), get_frequency_dict("ko")


def _common_english(word: str) -> bool:
    frequency = _frequencies()[0].get(word, 0.0)
    return frequency >= 10 ** (COMMON_ZIPF - 9)


def is_common_word(word: str) -> bool:
    """Whether people commonly write ``word`` (English by frequency, Korean if listed at all):
    a word that is not is a name, a code or a typo nobody could correct."""
    word = word.lower()
    return word in _frequencies()[1] if has_hangul(word) else _common_english(word)


class Speller:
    """Corrects words one slip from ``vocabulary``; words in ``known`` (names, titles) or
    in the language's frequency list are read as written. ``stem`` cuts a Korean word's
    particles ("고객이" -> 고객), so what follows a corrected Korean word must be one;
    ``names_a_thing`` tells a Korean phrase that ends in a noun (only those are targets)."""

    def __init__(self, vocabulary: Iterable[str], known: Iterable[str] = (),
                 stem: Callable[[str], str] = lambda word: word,
                 names_a_thing: Callable[[str], bool] = lambda phrase: True) -> None:
        self.stem = stem
        words = {w.strip().lower() for w in vocabulary if w and w.strip()}
        self.english: dict[str, list[str]] = defaultdict(list)
        self.korean: dict[str, list[str]] = defaultdict(list)  # by first syllable
        self.korean_words: set[str] = set()
        for word in words:
            if has_hangul(word):
                if " " not in word:
                    self.korean_words.add(word)
                if names_a_thing(word):  # a slip is corrected into a noun, never into a
                    self.korean[jamo(word[0])[0]].append(word)  # verb's stem ("보여줘"
                    # stays); keyed by the first letter: "볓점" is 별점 with a slip in it
            for part in _ENGLISH_WORD.findall(word):
                if len(part) >= MIN_ENGLISH - 1 and part not in self.english[part[0]]:
                    self.english[part[0]].append(part)
        self.known = {w.lower() for w in known} | \
            {w for ws in self.english.values() for w in ws}

    def correct(self, text: str) -> Spelled:
        corrections: list[Correction] = []
        text = self._korean_phrases(text, corrections)
        text = _ENGLISH_WORD.sub(lambda m: self._english(m.group(0), corrections), text)
        return Spelled(text, tuple(corrections))

    def _english(self, word: str, corrections: list[Correction]) -> str:
        lowered = word.lower()
        if len(lowered) < MIN_ENGLISH or lowered in self.known or _common_english(lowered):
            return word
        slips = 2 if len(lowered) >= LONG_ENGLISH else 1
        close = [(OSA.distance(lowered, c, score_cutoff=slips), c)
                 for c in self.english.get(lowered[0], ()) if abs(len(c) - len(lowered)) <= slips]
        close = [(d, c) for d, c in close if d <= slips]
        if not close:
            return word
        best = min(d for d, _ in close)
        nearest = {c for d, c in close if d == best}
        if len(nearest) > 1:  # "returnd": returned, return, returns; a dropped letter is
            nearest = {c for c in nearest if _drops_a_letter(lowered, c)} or nearest  # likeliest
        if len(nearest) != 1:
            return word  # two words as close: no guess
        fixed = nearest.pop()
        if word[0].isupper():  # "Incehon" -> "Incheon"
            fixed = fixed[0].upper() + fixed[1:]
        corrections.append(Correction(word, fixed))
        return fixed

    def _korean_phrases(self, text: str, corrections: list[Correction]) -> str:
        """Each Korean word (from its start) compared with the vocabulary's words and
        phrases that begin with the same syllable; the replacement has as many syllables
        as the words it replaces, so positions in the text do not move."""
        for match in list(_KOREAN_WORD.finditer(text)):
            start, word = match.start(), match.group(0)
            fixed = self._korean_at(text, start, phrases_only=self._known_korean(word))
            if fixed is not None:
                written = text[start:start + len(fixed)]
                text = text[:start] + fixed + text[start + len(fixed):]
                corrections.extend(Correction(w, f) for w, f in zip(written.split(),
                                                                   fixed.split(), strict=True)
                                   if w != f)  # the slipped word, not the whole phrase
        return text

    def _known_korean(self, word: str) -> bool:
        """The word, or the word without its particles ("고객이" -> 고객), is a vocabulary
        word or a Korean word people write."""
        korean = _frequencies()[1]
        stem = self.stem(word)
        return word in korean or word in self.korean_words or stem in self.korean_words or \
            (len(stem) >= 2 and stem in korean)

    def _korean_at(self, text: str, start: int, phrases_only: bool) -> str | None:
        candidates = self.korean.get(jamo(text[start])[0], ())
        if any(len(c) > 1 and text.startswith(c, start) for c in candidates):
            return None  # the words as written are known ("로열 고객" beside "로얄 고객")
        found = []
        for candidate in candidates:
            if phrases_only and (" " not in candidate or
                                 len(candidate.replace(" ", "")) < MIN_KOREAN_PHRASE):
                continue
            written = text[start:start + len(candidate)]
            if len(written) < len(candidate) or len(candidate) < 2:
                continue
            if OSA.distance(jamo(written), jamo(candidate), score_cutoff=1) > 1 or \
                    _inflected(written, candidate):
                continue
            rest = _KOREAN_WORD.match(text, start + len(candidate))
            ending = rest.group(0) if rest and rest.start() == start + len(candidate) else ""
            if ending and self.stem(candidate + ending) != candidate and \
                    ending[0] not in _NOUN_TO_VERB:
                continue  # "요인" is not 용인 + something; "취쇼된" is 취소 + 된
            found.append(candidate)
        if not found:
            return None
        longest = max(len(c) for c in found)
        found = [c for c in found if len(c) == longest]
        return found[0] if len(found) == 1 else None


_NOUN_TO_VERB = frozenset("하한할해했되된될돼됐")  # 하다/되다 make a verb of a noun: 취소된, 주문한


def _drops_a_letter(written: str, word: str) -> bool:
    """``written`` is ``word`` with one letter left out ("returnd" of "returned")."""
    return len(word) == len(written) + 1 and any(word[:i] + word[i + 1:] == written
                                                 for i in range(len(word)))


def _inflected(written: str, candidate: str) -> bool:
    """The written word adds a final letter to the candidate's open last syllable: an
    inflection ("주문한" is 주문하 + ㄴ), not a slip ("인청" for 인천 is one)."""
    if written[:-1] != candidate[:-1]:
        return False
    last = jamo(candidate[-1])
    return len(last) == 2 and jamo(written[-1])[:2] == last
