"""Offline sentiment of review text, from ``knowledge/reviews/sentiment_lexicon.yaml``.

Each sentence is scored word by word: lexicon valences, flipped and weakened by a negator
shortly before ("not great"), scaled by intensifiers ("really") and downtoners ("a bit"),
weighted around contrast words ("nice, but it leaks" counts the leak more). A review that
reports a failure turns the praise of its sarcastic sentences negative. Hedges ("it's fine")
pull the total towards neutral. The total maps to a score in [-1, 1] and a label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from tools.reviews.phrases import Match, PhraseMatcher, Tokens, sentences
from tools.vocabulary.reviews import KNOWLEDGE_DIR

NEGATION_WINDOW = 3
NEGATION_FACTOR = -0.75  # "not great" is fairly negative ...
NEGATED_COMPLAINT = -0.35  # ... but "not terrible" is only mildly positive
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
SARCASM_FLIP = -0.8
SARCASM_NEEDS_FAILURE = 1.2  # negative mass in the review
DEADPAN_WORDS = 3
ALPHA = 6.0  # squashing of the total into [-1, 1]
HEDGE_DAMPING = 0.5
POSITIVE_FROM = 0.3
NEGATIVE_FROM = -0.2
MIXED_MASS = 1.5  # praise and complaint both at least this strong ...
MIXED_BAND = 0.3  # ... and a score closer to zero than this: neutral
_BUT_LIKE = {"but", "however", "yet", "whereas", "except", "하지만", "그런데", "근데", "그러나"}
_CONCESSIVE = {"although", "though"}
_KOREAN_CONTRAST_ENDINGS = ("지만", "는데")
_BOUNDARY = {",", ";", ":", "-", "(", ")"}


@dataclass(frozen=True)
class Lexicon:
    """The parsed lexicon: one matcher for every kind of entry."""

    terms: PhraseMatcher[tuple[str, float]]  # (kind, valence); kind: term, hedge
    sarcasm: PhraseMatcher[bool]
    negators: frozenset[str]
    intensifiers: dict[str, float]
    downtoners: dict[str, float]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of ``knowledge/reviews/sentiment_lexicon.yaml``."""
    raw = yaml.safe_load((KNOWLEDGE_DIR / "sentiment_lexicon.yaml").read_text(encoding="utf-8"))
    entries: list[tuple[str, tuple[str, float]]] = []
    for section, sign in (("positive", 1), ("korean_positive", 1), ("negative", -1),
                          ("korean_negative", -1)):
        entries += [(str(k), ("term", sign * float(v))) for k, v in raw[section].items()]
    for section in ("hedges", "korean_hedges"):
        entries += [(str(k), ("hedge", float(v))) for k, v in raw[section].items()]
    return Lexicon(
        terms=PhraseMatcher(entries),
        sarcasm=PhraseMatcher((str(marker), True) for marker in raw["sarcasm_markers"]),
        negators=frozenset(str(n).replace("'", "") for n in raw["negators"]),
        intensifiers={str(k): float(v) for k, v in raw["intensifiers"].items()},
        downtoners={str(k): float(v) for k, v in raw["downtoners"].items()},
    )


@dataclass
class SentenceScore:
    """What one sentence contributes."""

    text: str
    value: float = 0.0
    positive: float = 0.0  # mass of praise
    negative: float = 0.0  # mass of complaint (positive number)
    hedges: int = 0
    sarcastic: bool = False
    opens_with_contrast: bool = False
    terms: list[str] = field(default_factory=list)


@dataclass
class Sentiment:
    """The sentiment of a review: a label, a score in [-1, 1] and its sentences."""

    label: str
    score: float
    sentences: list[SentenceScore]

    def complaint_sentences(self) -> list[str]:
        """Sentences that complain, most negative first."""
        picked = [s for s in self.sentences if s.negative > 0 or s.value < 0 or s.sarcastic]
        return [s.text for s in sorted(picked, key=lambda s: s.value)]


def _is_negator(word: str, negators: frozenset[str]) -> bool:
    return word.replace("'", "") in negators or word.endswith("n't")


def _scale(tokens: Tokens, start: int, lex: Lexicon) -> float:
    """Intensifier or downtoner just before the word at ``start``."""
    words = tokens.words
    two = " ".join(words[max(0, start - 2):start])
    if two in lex.downtoners:
        return lex.downtoners[two]
    previous = words[start - 1] if start > 0 else ""
    if previous in lex.downtoners:
        return lex.downtoners[previous]
    if previous in lex.intensifiers:
        before = words[start - 2] if start > 1 else ""
        return lex.intensifiers[previous] * lex.intensifiers.get(before, 1.0)
    return 1.0


def _negated(tokens: Tokens, match: Match, taken: set[int], lex: Lexicon) -> bool:
    """A negator within the window before ``match``, with no clause boundary between."""
    for index in range(match.start - 1, max(-1, match.start - 1 - NEGATION_WINDOW), -1):
        word = tokens.words[index]
        if word in _BOUNDARY or word in _BUT_LIKE or index in taken:
            return False
        if _is_negator(word, lex.negators):
            return True
    return False


def _clause_weights(tokens: Tokens) -> list[float]:
    """A weight per word: less before a contrast word, more after it."""
    words = tokens.words
    weights = [1.0] * len(words)
    pivot = next((i for i, w in enumerate(words) if w in _BUT_LIKE and i > 0), None)
    if pivot is None:
        pivot = next((i + 1 for i, w in enumerate(words[:-1])
                      if w.endswith(_KOREAN_CONTRAST_ENDINGS)), None)
    if pivot is None and words and words[0] in _CONCESSIVE:
        pivot = next((i for i, w in enumerate(words) if w == ","), None)
    if pivot is not None:
        weights = [BEFORE_CONTRAST if i < pivot else AFTER_CONTRAST for i in range(len(words))]
    return weights


def score_sentence(sentence: str, lex: Lexicon | None = None) -> SentenceScore:
    """The lexicon score of one sentence."""
    lex = lex or lexicon()
    tokens = Tokens.of(sentence)
    result = SentenceScore(text=sentence)
    if not tokens.words:
        return result
    result.opens_with_contrast = tokens.words[0] in _BUT_LIKE | {"unfortunately", "sadly"}
    result.sarcastic = bool(lex.sarcasm.find(tokens))
    weights = _clause_weights(tokens)
    matches = lex.terms.find(tokens)
    taken = {i for m in matches for i in range(m.start, m.end)}
    for match in matches:
        kind, valence = match.value
        if kind == "hedge":
            result.hedges += 1
        elif _negated(tokens, match, taken, lex):
            valence *= NEGATION_FACTOR if valence > 0 else NEGATED_COMPLAINT
        valence *= _scale(tokens, match.start, lex) * weights[match.start]
        result.value += valence
        if valence > 0:
            result.positive += valence
        else:
            result.negative -= valence
        result.terms.append(match.phrase)
    return result


def _flip_sarcasm(scored: list[SentenceScore]) -> None:
    """Turn praise negative where a review that reports a failure is being sarcastic.

    Praise is sarcastic in a review with a sarcasm marker ("wow", "great job"), and a bare
    exclamation of praise ("Amazing.") right after a complaint is sarcastic anywhere.
    """
    failure = sum(s.negative for s in scored)
    if failure < SARCASM_NEEDS_FAILURE:
        return
    marked = any(s.sarcastic for s in scored)
    for index, sentence in enumerate(scored):
        deadpan = (index > 0 and scored[index - 1].negative > 0 and sentence.negative == 0
                   and len(sentence.text.split()) <= DEADPAN_WORDS)
        if sentence.positive > 0 and ((marked and sentence.negative == 0) or deadpan
                                      or sentence.sarcastic):
            sentence.value += (SARCASM_FLIP - 1) * sentence.positive
            sentence.negative += -SARCASM_FLIP * sentence.positive
            sentence.positive = 0.0
            sentence.sarcastic = True


def score_review(text: str) -> Sentiment:
    """The sentiment of a whole review."""
    lex = lexicon()
    scored = [score_sentence(s, lex) for s in sentences(text)]
    for index, sentence in enumerate(scored):
        if sentence.opens_with_contrast and index > 0:
            for earlier in scored[:index]:
                earlier.value *= BEFORE_CONTRAST + 0.2
            sentence.value *= AFTER_CONTRAST - 0.2
    _flip_sarcasm(scored)
    total = sum(s.value for s in scored)
    score = total / math.sqrt(total * total + ALPHA)
    hedges = sum(s.hedges for s in scored)
    score *= HEDGE_DAMPING ** min(hedges, 2)
    praise, blame = sum(s.positive for s in scored), sum(s.negative for s in scored)
    if praise >= MIXED_MASS and blame >= MIXED_MASS and abs(score) < MIXED_BAND:
        label = "neutral"
    elif score >= POSITIVE_FROM:
        label = "positive"
    elif score <= NEGATIVE_FROM:
        label = "negative"
    else:
        label = "neutral"
    return Sentiment(label=label, score=round(score, 4), sentences=scored)
