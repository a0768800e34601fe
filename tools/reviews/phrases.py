"""Splitting review text into sentences and words, and finding known phrases in them.

English phrases are matched on whole words ("worth it", or "disappoint*" for any ending);
anything else (Korean stems, emoji, "10/10") is matched inside the text, so "좋아" also
finds "좋아요". Overlapping matches keep the longest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|[\r\n]+|(?<=[.!?])(?=[\uac00-\ud7a3])")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\-/][a-z0-9]+)*|[\uac00-\ud7a3]+|[^\sa-z0-9\uac00-\ud7a3]")
_WORDLIKE = re.compile(r"^[a-z0-9' \-]+\*?$")
MAX_PHRASE_WORDS = 6


def normalise(text: str) -> str:
    """Lower case with typographic quotes and dashes made plain."""
    return (text.lower().replace("\u2019", "'").replace("\u2018", "'")
            .replace("\u201c", '"').replace("\u201d", '"').replace("\u2013", "-")
            .replace("\u2014", " - "))


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (non-empty, stripped)."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


@dataclass(frozen=True)
class Tokens:
    """The words of one normalised sentence with their character spans."""

    text: str
    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, sentence: str) -> Tokens:
        text = normalise(sentence)
        found = list(_TOKEN.finditer(text))
        return cls(text=text, words=tuple(m.group() for m in found),
                   starts=tuple(m.start() for m in found), ends=tuple(m.end() for m in found))

    def word_at(self, char: int) -> int:
        """Index of the word that covers character ``char`` (or the next one)."""
        for index, end in enumerate(self.ends):
            if char < end:
                return index
        return len(self.words) - 1


@dataclass(frozen=True)
class Match(Generic[V]):
    """A known phrase found at words ``start`` to ``end`` (exclusive)."""

    start: int
    end: int
    phrase: str
    value: V
    length: int  # characters, to prefer longer phrases


class PhraseMatcher(Generic[V]):
    """Finds the phrases of a dictionary in tokenised sentences."""

    def __init__(self, entries: Iterable[tuple[str, V]]) -> None:
        self._words: dict[tuple[str, ...], tuple[str, V]] = {}
        self._prefixes: list[tuple[str, str, V]] = []
        self._inside: list[tuple[str, V]] = []
        for phrase, value in entries:
            key = normalise(str(phrase)).strip()
            if not key:
                continue
            if _WORDLIKE.match(key):
                if key.endswith("*"):
                    self._prefixes.append((key[:-1], key, value))
                else:
                    self._words[tuple(_TOKEN.findall(key))] = (key, value)
            else:
                self._inside.append((key, value))
        self._longest = max((len(k) for k in self._words), default=1)

    def find(self, tokens: Tokens) -> list[Match[V]]:
        """Non-overlapping matches in word order; where matches overlap the longest wins."""
        words = tokens.words
        found: list[Match[V]] = []
        for i in range(len(words)):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                hit = self._words.get(words[i:i + size])
                if hit:
                    found.append(Match(i, i + size, hit[0], hit[1], len(hit[0])))
            for prefix, phrase, value in self._prefixes:
                if words[i].startswith(prefix) and words[i][:1].isalpha():
                    found.append(Match(i, i + 1, phrase, value, len(prefix) + 1))
        for phrase, value in self._inside:
            at = tokens.text.find(phrase)
            while at >= 0:
                start = tokens.word_at(at)
                end = tokens.word_at(at + len(phrase) - 1) + 1
                found.append(Match(start, end, phrase, value, len(phrase)))
                at = tokens.text.find(phrase, at + len(phrase))
        chosen: list[Match[V]] = []
        taken: set[int] = set()
        for match in sorted(found, key=lambda m: (-m.length, m.start)):
            span = set(range(match.start, match.end))
            if not span & taken:
                chosen.append(match)
                taken |= span
        return sorted(chosen, key=lambda m: m.start)
