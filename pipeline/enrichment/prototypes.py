"""Sentiment of reviews without opinion words, by their nearest labelled example sentences.

The lexicon reads "Took twelve days. No update." as nothing at all. Such reviews are embedded
and compared with the example sentences of ``knowledge/reviews/sentiment_prototypes.yaml``;
each label scores the mean similarity of its closest examples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import yaml

from tools.search.embeddings import EmbeddingProvider
from tools.vocabulary.reviews import KNOWLEDGE_DIR

NEAREST = 2  # examples per label that count
LABEL_SCORE = {"positive": 0.3, "negative": -0.3, "neutral": 0.0}


class PrototypeSentiment:
    """Labels texts by their nearest example sentences."""

    def __init__(self, embedder: EmbeddingProvider) -> None:
        raw = yaml.safe_load((KNOWLEDGE_DIR / "sentiment_prototypes.yaml").read_text("utf-8"))
        self._labels = list(raw)
        self._embedder = embedder
        self._examples = [embedder.embed_passages(raw[label]) for label in self._labels]

    def label(self, texts: Sequence[str]) -> list[str]:
        """The label of each text."""
        if not texts:
            return []
        queries = self._embedder.embed_queries(list(texts))
        scores = np.stack([np.sort(queries @ examples.T, axis=1)[:, -NEAREST:].mean(axis=1)
                           for examples in self._examples], axis=1)
        return [self._labels[i] for i in scores.argmax(axis=1)]
