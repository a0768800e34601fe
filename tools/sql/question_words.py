"""Reading the words of a question: tokens, and what each phrase means to a query.

English is split into words; Korean is analysed by kiwipiepy (its model ships in the
``kiwipiepy-model`` package, loaded once per process), so particles, endings and the copula
fall away and 도시별로 reads as 도시 + 별. Phrases of the semantic model and of
``knowledge/question_words.yaml`` are tokenised the same way and matched longest first;
a word that matches nothing exactly is compared with the vocabulary by edit distance
(rapidfuzz), so "custmers" and "avrage" still read.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from config.settings import PROJECT_ROOT
from tools.sql.semantic_model import SemanticModel
from tools.vocabulary.language import has_hangul

WORDS_FILE = PROJECT_ROOT / "knowledge" / "question_words.yaml"
FUZZY_SCORE = 84  # rapidfuzz ratio a misspelt word needs to read as a known one
FUZZY_MIN_LENGTH = 5  # shorter words are too easily confused ("cost" vs "most")
_ENGLISH = re.compile(r"\d+(?:[.,]\d+)*k?(?![a-z])|\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?|[%+~#\-]")
_DROPPED_TAGS = ("J", "E", "VCP", "XSV", "XSA", "XPN", "SF", "SP", "SS", "SE", "SO", "SH")
_KEPT_PARTICLES = {"마다"}  # a particle that groups ("도시마다")
_MULTIPLIERS = {"만": 10_000, "천": 1_000, "백": 100, "억": 100_000_000}


@dataclass(frozen=True)
class Token:
    """One word of a question: its normal form, where it stands, and its kind."""

    form: str
    start: int
    end: int
    kind: str  # word | number | ko (a Korean morpheme)
    tag: str = ""

    @property
    def number(self) -> float | None:
        if self.kind != "number":
            return None
        return float(self.form.replace(",", ""))


_kiwi_lock = threading.Lock()


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    for noun in raw.get("korean_nouns", []):  # "평균 별점": not 별 + 점
        kiwi.add_user_word(noun, "NNG", 0)
    return kiwi


# one form, two words: "90일 안에" (inside, a noun) is not the negation "안 쓴" (an adverb)
_SENSES = {("안", "NNG"): "안에"}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (Korean through kiwipiepy, English by words)."""
    if not has_hangul(text):
        return [_english(m.group(0), m.start(), m.end())
                for m in _ENGLISH.finditer(text.lower())]
    with _kiwi_lock:
        analysed = _kiwi().tokenize(text)
    tokens: list[Token] = []
    for t in analysed:
        start, end = t.start, t.start + t.len
        if t.tag == "SL":  # a Latin word inside Korean
            tokens.extend(_english(m.group(0), start + m.start(), start + m.end())
                          for m in _ENGLISH.finditer(text[start:end].lower()))
        elif t.tag == "SN":
            tokens.append(Token(t.form.replace(",", ""), start, end, "number", t.tag))
        elif t.tag == "NR" and t.form in _MULTIPLIERS and tokens and tokens[-1].kind == "number":
            last = tokens[-1]
            value = float(last.form) * _MULTIPLIERS[t.form]
            tokens[-1] = Token(f"{value:g}", last.start, end, "number", "SN")
        elif t.form == "사" and text.startswith("산", start):  # "가장 많이 산 상품": bought;
            tokens.append(Token("구매하", start, end, "ko", t.tag))  # 살다 asks "사는"
        elif t.form in _KEPT_PARTICLES or not t.tag.startswith(_DROPPED_TAGS):
            tokens.append(Token(_SENSES.get((t.form, t.tag), t.form), start, end, "ko", t.tag))
    return tokens


def without_particles(word: str, endings: bool = False) -> str:
    """A Korean word with its trailing particles cut off ("배송에서" -> 배송, "디자인이" ->
    디자인); endings of verbs stay ("늦어서") so free text still reads naturally, unless
    ``endings`` (then "점이야" -> 점, "좋아하는" -> 좋아하: the copula and endings go too)."""
    if not has_hangul(word):
        return word
    with _kiwi_lock:
        analysed = _kiwi().tokenize(word)
    cut = ("J", "E", "VCP") if endings else ("J",)
    end = len(word)
    for t in reversed(analysed):
        if not t.tag.startswith(cut):
            break
        end = t.start
    return word[:end] or word


def ends_in_noun(phrase: str) -> bool:
    """Whether a Korean phrase ends in a noun or a number ("이탈한 큰손 고객", "1회"), not
    in a verb or an adverb ("보여주", "많이")."""
    with _kiwi_lock:
        analysed = _kiwi().tokenize(phrase)
    return bool(analysed) and analysed[-1].tag.startswith(("NN", "NR", "NP", "SL", "SN",
                                                            "XSN"))


def _english(form: str, start: int, end: int) -> Token:
    if form[0].isdigit():
        if form.endswith("k"):  # "500k": thousands
            return Token(f"{float(form[:-1].replace(',', '')) * 1000:g}", start, end, "number")
        return Token(form.replace(",", ""), start, end, "number")
    return Token(form.removesuffix("'s"), start, end, "word")


@dataclass(frozen=True)
class Sense:
    """What a phrase does: ``role`` (entity, measure, attribute, rank, dimension, month,
    or a question word's role from question_words.yaml) and the name it refers to."""

    role: str
    name: str = ""
    direction: str = ""  # asc | desc, for attribute ranks


@dataclass(frozen=True)
class Phrase:
    """A run of tokens that matched a lexicon entry."""

    tokens: tuple[Token, ...]
    senses: tuple[Sense, ...]
    fuzzy: bool = False

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def text(self) -> str:
        return " ".join(t.form for t in self.tokens)

    def has(self, role: str) -> bool:
        return any(s.role == role for s in self.senses)

    def get(self, role: str) -> Sense | None:
        return next((s for s in self.senses if s.role == role), None)


class Lexicon:
    """Every phrase the reader knows, keyed by its token forms.

    Korean phrases need the morphological analyser (about 4 s to load on 2 cores), so they
    are read the first time a Korean question comes; English questions never wait for it.
    """

    def __init__(self, model: SemanticModel, words_file: Path = WORDS_FILE) -> None:
        self.entries: dict[tuple[str, ...], list[Sense]] = {}
        self._korean: list[tuple[str, Sense]] | None = []
        self.phrases: set[str] = set()  # every phrase as written, for the speller
        self._korean_lock = threading.Lock()
        for entity in model.entities.values():
            self._add_all(entity.words, Sense("entity", entity.name))
        for measure in model.measures.values():
            self._add_all(measure.words, Sense("measure", measure.name))
        for attribute in model.attributes.values():
            self._add_all(attribute.words, Sense("attribute", attribute.name))
            for direction, words in attribute.ranks.items():
                self._add_all(words, Sense("rank", attribute.name, direction))
        for dimension in model.dimensions.values():
            self._add_all(dimension.words, Sense("dimension", dimension.name))
        for grain, words in model.grain_words.items():
            self._add_all(words, Sense("time_grain", grain))
        raw = yaml.safe_load(Path(words_file).read_text(encoding="utf-8"))
        for role, words in raw["roles"].items():
            odd = [w for ws in words.values() for w in ws if not isinstance(w, str)]
            if odd:  # YAML reads a bare on/no/yes as a boolean: quote it
                raise ValueError(f"{words_file}: {role} has words that are not text: {odd}")
            self._add_all({lang: tuple(w) for lang, w in words.items()}, Sense(role))
        self.longest = max(len(k) for k in self.entries)
        self._known = {form for key in self.entries for form in key}
        self._single = sorted({form for form in self._known if form.isalpha()
                               and len(form) >= FUZZY_MIN_LENGTH})

    def _add_all(self, words: dict[str, tuple[str, ...]], sense: Sense) -> None:
        for phrases in words.values():
            self.phrases.update(phrases)
            for phrase in phrases:
                if has_hangul(phrase):
                    assert self._korean is not None
                    self._korean.append((phrase, sense))
                else:
                    self._add(tuple(t.form for t in tokenize(phrase)), sense)

    def _add(self, key: tuple[str, ...], sense: Sense) -> None:
        if key and sense not in self.entries.setdefault(key, []):
            self.entries[key].append(sense)

    def prepare_korean(self) -> None:
        """Read the Korean phrases (loads the analyser), once; safe from any thread."""
        with self._korean_lock:
            if self._korean is None:
                return
            for phrase, sense in self._korean:
                self._add(tuple(t.form for t in tokenize(phrase)), sense)
                self._add(tuple(phrase.split()), sense)  # a stem out of context may differ
            self._korean = None
            self.longest = max(len(k) for k in self.entries)

    def read(self, tokens: list[Token]) -> list[Phrase | Token]:
        """Phrases matched longest first; a token no phrase explains stays a bare token."""
        if self._korean is not None and any(t.kind == "ko" for t in tokens):
            self.prepare_korean()
        corrected: set[int] = set()
        tokens = list(tokens)
        for i, token in enumerate(tokens):  # "store ratng" -> "store rating" before phrases
            fixed = self._spelled(token)
            if fixed is not None:
                tokens[i] = Token(fixed, token.start, token.end, token.kind, token.tag)
                corrected.add(i)
        out: list[Phrase | Token] = []
        i = 0
        while i < len(tokens):
            if tokens[i].kind == "number":
                out.append(tokens[i])
                i += 1
                continue
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tuple(t.form for t in tokens[i:i + size])
                if key in self.entries:
                    out.append(Phrase(tuple(tokens[i:i + size]), tuple(self.entries[key]),
                                      fuzzy=bool(corrected & set(range(i, i + size)))))
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _spelled(self, token: Token) -> str | None:
        """The known word a misspelt English word stands for, if one is close enough."""
        if token.kind != "word" or len(token.form) < FUZZY_MIN_LENGTH or \
                token.form in self._known:
            return None
        found = process.extractOne(token.form, self._single, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_SCORE)
        return found[0] if found else None
