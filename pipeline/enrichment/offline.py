"""The offline review analyser: deterministic, no network, a few milliseconds per review.

Sentiment comes from the lexicon scorer; a review that is only mildly positive or neutral
by its words but reports a concrete problem strongly (a return, a double charge, a lost
parcel) is negative. The issue category comes from cue phrases, then from the nearest
category description (the embedding model) for negative reviews no cue explains. Negative
reviews get an improvement point: the category's action and the complaint that prompted it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.enrichment.analysis import ReviewAnalysis, ReviewInput
from pipeline.enrichment.keywords import extract_keywords
from pipeline.enrichment.prototypes import LABEL_SCORE, PrototypeSentiment
from tools.reviews.issues import IssueClassifier, IssueDecision, evidence_sentence
from tools.reviews.sentiment import Sentiment, score_review
from tools.search.embeddings import EmbeddingProvider
from tools.vocabulary.reviews import NO_ISSUE, OTHER_ISSUE, issue_categories

ANALYZER = "offline-lexicon-v1"
PROBLEM_EVIDENCE = 2.5  # cue weight of a concrete problem that makes a review negative ...
PROBLEM_OVERRIDES_BELOW = 0.45  # ... unless its words are more positive than this
PROBLEM_CATEGORIES = ("품질불량", "배송문제", "단순변심", "결제문제", "응대문제")
EVIDENCE_CHARS = 140


class OfflineAnalyzer:
    """Analyses reviews with the lexicon, cue phrases and (optionally) the embedding model."""

    name = ANALYZER

    def __init__(self, embedder: EmbeddingProvider | None = None) -> None:
        self._issues = IssueClassifier(
            embed_queries=embedder.embed_queries if embedder else None,
            embed_passages=embedder.embed_passages if embedder else None)
        self._embedder = embedder
        self._prototypes: PrototypeSentiment | None = None

    def analyze(self, reviews: Sequence[ReviewInput]) -> list[ReviewAnalysis]:
        """The analysis of every review, in order."""
        sentiments = [score_review(review.review_text or "") for review in reviews]
        self._read_wordless(sentiments, [review.review_text or "" for review in reviews])
        judged = [self._judge(sentiment) for sentiment in sentiments]
        unexplained = [i for i, (_, decision) in enumerate(judged) if decision.method == "other"]
        complaints = [_complaint_text(judged[i][0], reviews[i].review_text) for i in unexplained]
        for index, (category, method) in zip(
                unexplained, self._issues.place_unexplained(complaints), strict=True):
            sentiment, decision = judged[index]
            judged[index] = (sentiment, IssueDecision(category, method, decision.evidence))
        return [self._result(review, sentiment, decision)
                for review, (sentiment, decision) in zip(reviews, judged, strict=True)]

    def _read_wordless(self, sentiments: list[Sentiment], texts: list[str]) -> None:
        """Label reviews with no opinion words by their nearest example sentences."""
        wordless = [i for i, s in enumerate(sentiments)
                    if texts[i].strip() and not any(x.terms for x in s.sentences)]
        if not wordless or self._embedder is None:
            return
        try:
            if self._prototypes is None:
                self._prototypes = PrototypeSentiment(self._embedder)
            labels = self._prototypes.label([texts[i] for i in wordless])
        except Exception:  # noqa: BLE001 - a failing provider (e.g. offline Gemini embeddings)
            return  # leaves these reviews to the lexicon
        for index, label in zip(wordless, labels, strict=True):
            sentiments[index].label = label
            sentiments[index].score = LABEL_SCORE[label]

    def _judge(self, sentiment: Sentiment) -> tuple[Sentiment, IssueDecision]:
        decision = self._issues.decide(sentiment)
        problem = max((decision.evidence.get(k, 0.0) for k in PROBLEM_CATEGORIES), default=0.0)
        if (sentiment.label != "negative" and sentiment.score < PROBLEM_OVERRIDES_BELOW
                and problem >= PROBLEM_EVIDENCE):
            sentiment.label = "negative"
            sentiment.score = min(sentiment.score, -0.2)
            decision = self._issues.decide(sentiment)
        return sentiment, decision

    def _result(self, review: ReviewInput, sentiment: Sentiment,
                decision: IssueDecision) -> ReviewAnalysis:
        improvement = None
        if sentiment.label == "negative":
            evidence = (evidence_sentence(sentiment, decision.category)
                        or _complaint_text(sentiment, review.review_text))
            improvement = improvement_point(decision.category, evidence)
        return ReviewAnalysis(
            customer_review_id=review.customer_review_id, sentiment=sentiment.label,
            sentiment_score=max(-1.0, min(1.0, sentiment.score)),
            keywords=extract_keywords(review.review_text or ""),
            issue_category=decision.category, improvement_point=improvement,
            analyzed_by=self.name)


def _complaint_text(sentiment: Sentiment, text: str) -> str:
    complaints = sentiment.complaint_sentences()
    return complaints[0] if complaints else (text or "").strip()


def improvement_point(category: str, evidence: str) -> str:
    """The category's suggested action, quoting the complaint behind it."""
    key = category if category != NO_ISSUE else OTHER_ISSUE
    action = issue_categories()[key].improvement
    quote = " ".join(evidence.split())
    if len(quote) > EVIDENCE_CHARS:
        quote = quote[:EVIDENCE_CHARS - 1].rstrip() + "…"
    return f"[{key}] {action} (고객 의견: \"{quote}\")"
