"""Offline issue category of a review: cue phrases in its complaints, then the nearest
category description for complaints that no cue names.

Cues (``knowledge/reviews/issue_categories.yaml``) count fully in sentences that complain and
a little elsewhere. A negative review whose complaints match no cue is placed by embedding
its complaint sentences and comparing them with the category descriptions; if nothing is
close enough it is 기타 (other).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tools.reviews.phrases import PhraseMatcher, Tokens
from tools.reviews.sentiment import Sentiment
from tools.vocabulary.reviews import NO_ISSUE, OTHER_ISSUE, issue_categories

ELSEWHERE_WEIGHT = 0.35  # a cue in a sentence that does not complain, in a review ...
PRAISE_MASS = 0.5  # ... that praises something (cues count fully in reviews without praise)
NEGATIVE_NEEDS = 0.8  # cue evidence that names a negative review's category
NEUTRAL_NEEDS = 1.2  # ... and a neutral review's (which may raise no issue at all)
NEAREST_NEEDS = 0.80  # cosine similarity to a description, for the embedding fallback
Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class IssueDecision:
    """The chosen category, how it was chosen, and the evidence per category."""

    category: str
    method: str  # none, cues, nearest_description, other
    evidence: dict[str, float]


@lru_cache(maxsize=1)
def cue_matcher() -> PhraseMatcher[tuple[tuple[str, float], ...]]:
    """One matcher for every category's cues; a phrase may signal several categories."""
    by_phrase: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, category in issue_categories().items():
        for cue, weight in category.cues:
            by_phrase[cue].append((key, weight))
    return PhraseMatcher((phrase, tuple(hits)) for phrase, hits in by_phrase.items())


def cue_evidence(sentiment: Sentiment) -> dict[str, float]:
    """Summed cue weights per category, complaints counting fully."""
    matcher = cue_matcher()
    evidence: dict[str, float] = defaultdict(float)
    praised = sum(s.positive for s in sentiment.sentences) >= PRAISE_MASS
    for sentence in sentiment.sentences:
        complains = sentence.negative > 0 or sentence.value < 0 or sentence.sarcastic
        weight = 1.0 if complains or not praised else ELSEWHERE_WEIGHT
        for match in matcher.find(Tokens.of(sentence.text)):
            for key, cue_weight in match.value:
                evidence[key] += cue_weight * weight
    return dict(evidence)


class IssueClassifier:
    """Picks the issue category of analysed reviews."""

    def __init__(self, embed_queries: Embed | None = None,
                 embed_passages: Embed | None = None) -> None:
        self._embed_queries = embed_queries
        self._embed_passages = embed_passages
        self._descriptions: np.ndarray | None = None
        self._keys = [k for k in issue_categories() if k not in (NO_ISSUE, OTHER_ISSUE)]

    def decide(self, sentiment: Sentiment) -> IssueDecision:
        """The category from cues alone; ``method`` "other" marks a negative review that
        needs the description fallback (see ``place_unexplained``)."""
        evidence = cue_evidence(sentiment)
        if sentiment.label == "positive":
            return IssueDecision(NO_ISSUE, "none", evidence)
        best = max(evidence, key=evidence.__getitem__, default=None)
        needs = NEGATIVE_NEEDS if sentiment.label == "negative" else NEUTRAL_NEEDS
        if best is not None and evidence[best] >= needs:
            return IssueDecision(best, "cues", evidence)
        if sentiment.label == "negative":
            return IssueDecision(OTHER_ISSUE, "other", evidence)
        return IssueDecision(NO_ISSUE, "none", evidence)

    def place_unexplained(self, complaints: list[str]) -> list[tuple[str, str]]:
        """(category, method) for negative reviews whose complaints matched no cue, by the
        nearest category description (one embedding call for all of them)."""
        if not complaints or self._embed_queries is None or self._embed_passages is None:
            return [(OTHER_ISSUE, "other")] * len(complaints)
        try:
            if self._descriptions is None:
                cats = issue_categories()
                self._descriptions = self._embed_passages(
                    [f"{cats[k].name}: {cats[k].description}" for k in self._keys])
            similarity = self._embed_queries(complaints) @ self._descriptions.T
        except Exception:  # noqa: BLE001 - a failing provider leaves these complaints as 기타
            return [(OTHER_ISSUE, "other")] * len(complaints)
        placed = []
        for row in similarity:
            best = int(np.argmax(row))
            placed.append((self._keys[best], "nearest_description") if row[best] >= NEAREST_NEEDS
                          else (OTHER_ISSUE, "other"))
        return placed


def evidence_sentence(sentiment: Sentiment, category: str) -> str | None:
    """The sentence that names ``category`` most clearly (the more negative on a tie)."""
    matcher = cue_matcher()
    best: tuple[tuple[float, float], str] | None = None
    for sentence in sentiment.sentences:
        weight = sum(w for match in matcher.find(Tokens.of(sentence.text))
                     for key, w in match.value if key == category)
        if weight > 0 and (best is None or (weight, -sentence.value) > best[0]):
            best = ((weight, -sentence.value), sentence.text)
    return best[1] if best else None
