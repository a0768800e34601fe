"""Audience conditions from what customers wrote: "complained about shipping", "wrote about
poor quality", "배송 불만".

A theme (``review_themes`` in ``knowledge/campaigns/chat_terms.yaml``) is read when one of its
topics follows an English cue ("wrote about …") or precedes a Korean one ("배송 불만"). Its
customers are the writers of negative or neutral reviews that either

- carry the theme's issue category (the precise signal, where the theme is a known complaint
  type), or
- are among the review index's nearest matches to the theme's query (search by meaning, as
  ``search_reviews`` does) with a cosine similarity of at least
  ``audience_meaning_min_similarity``, up to ``audience_meaning_max_reviews`` reviews.

The index adds reviews that name the theme in other words; the similarity floor and the
sentiment condition keep its additions precise. The matches become a list of review ids in
the SQL (closed values), so the audience still runs through the warehouse guard.
"""

from __future__ import annotations

import re
from typing import Any

from config.settings import Settings, get_settings
from tools.campaigns.audience_terms import AudienceError
from tools.email.context import REVIEWS_TABLE, UNHAPPY
from tools.warehouse.reads import sql_ints, sql_strings


def read_themes(text: str, terms: dict[str, Any]) -> tuple[list[str], str]:
    """The review themes ``text`` (lower case) names, and the text with them blanked."""
    topics = sorted(((str(t).lower(), key) for key, theme in terms["review_themes"].items()
                     for t in theme["topics"]), key=lambda pair: -len(pair[0]))
    english = "|".join(re.escape(c) for c in terms["review_cues"]["en"])
    korean = "|".join(re.escape(c) for c in terms["review_cues"]["ko"])
    found: list[str] = []
    for topic, key in topics:
        word = re.escape(topic)
        patterns = [rf"(?<![\w-])(?:{english})\s+(?:the\s+|their\s+|its\s+)?{word}(?![\w-])",
                    rf"{word}\s*(?:관련|에\s*대한|에\s*대해)?\s*(?:{korean})"]
        for pattern in patterns:
            if re.search(pattern, text):
                text = re.sub(pattern, " ", text)
                if key not in found:
                    found.append(key)
    return found, text


def theme_labels(themes: list[str], terms: dict[str, Any]) -> list[str]:
    return [f"wrote about {terms['review_themes'][t]['label']} (review meaning)" for t in themes]


def theme_conditions(themes: list[str], terms: dict[str, Any],
                     settings: Settings | None = None) -> list[str]:
    """One SQL condition on the customers table ``c`` per theme (all must hold)."""
    conditions = []
    for key in themes:
        theme = terms["review_themes"][key]
        signals = []
        if theme.get("issue_category"):
            signals.append(f"r.issue_category = {sql_strings([theme['issue_category']])}")
        similar = similar_reviews(theme["query"], settings)
        if similar:
            signals.append(f"r.customer_review_id IN ({sql_ints(similar)})")
        if not signals:
            signals.append("FALSE")
        conditions.append(f"c.customer_id IN (SELECT r.customer_id FROM cymbal.{REVIEWS_TABLE} "
                          f"AS r WHERE r.text_sentiment IN ({sql_strings(UNHAPPY)}) "
                          f"AND ({' OR '.join(signals)}))")
    return conditions


def similar_reviews(query: str, settings: Settings | None = None) -> list[int]:
    """Ids of the negative or neutral reviews closest in meaning to ``query``, above the
    similarity floor, most similar first."""
    from tools.reviews.search import SearchError, open_index, query_vector

    settings = settings or get_settings()
    try:
        index = open_index(settings)
    except SearchError as err:
        raise AudienceError(f"Audiences by what customers wrote need the review index: {err} "
                            f"{' '.join(err.suggestions)}") from None
    count = index.collection.count()
    if not count:
        return []
    found = index.collection.query(
        query_embeddings=[query_vector(query).tolist()],
        n_results=min(settings.audience_meaning_max_reviews, count),
        where={"sentiment": {"$in": list(UNHAPPY)}}, include=["metadatas", "distances"])
    return [int(meta["review_id"]) for meta, distance in zip(found["metadatas"][0],
                                                             found["distances"][0], strict=True)
            if 1.0 - distance >= settings.audience_meaning_min_similarity]
