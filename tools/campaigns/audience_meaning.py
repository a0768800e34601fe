"""Audience conditions from what customers wrote: "complained about shipping", "wrote about
poor quality", "배송 불만".

A theme (``review_themes`` in ``knowledge/campaigns/chat_terms.yaml``) is read when one of its
topics follows an English cue ("wrote about …") or precedes a Korean one ("배송 불만"). Its
customers are the writers of negative or neutral reviews that either

- carry the theme's issue category (the precise signal, where the theme is a known complaint
  type), or
- are among the review index's nearest matches to the theme's query (search by meaning, as
  ``search_reviews`` does: up to ``audience_meaning_max_reviews``, cosine similarity at least
  ``audience_meaning_min_similarity``) and closer to this theme's query than to any other
  theme's by ``audience_meaning_margin``.

The index adds reviews that name the theme in other words. Similarities of this embedding
model are bunched (0.82–0.89), and a generic "big disappointment" review is about as close to
every theme, so the margin over the other themes is what keeps the additions precise: on
generated data, of the reviews a plain floor added beyond the issue category 14–47% talked
about the theme; with the margin, 70% (shipping) and 80% (sizing, which has no category).
For the known complaint types the issue category remains the main signal. The matches
become a list of review ids in the SQL (closed values), so the audience still runs through
the warehouse guard. Measured with ``python -m evaluation.audience_accuracy``.
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


def theme_descriptions(themes: list[str], terms: dict[str, Any], lang: str = "en") -> list[str]:
    """How each theme is read: "who wrote about shipping (a negative or neutral review in
    issue category 배송문제, or close to the theme in meaning)", or in Korean "배송 관련
    리뷰를 쓴 (불만 유형 배송문제이거나 의미가 가까운 부정·중립 리뷰)"."""
    described = []
    for key in themes:
        theme = terms["review_themes"][key]
        if lang == "ko":
            category = (f"불만 유형 {theme['issue_category']}이거나 "
                        if theme.get("issue_category") else "")
            described.append(f"{theme['label_ko']} 관련 리뷰를 쓴 ({category}의미가 가까운 "
                             "부정·중립 리뷰)")
            continue
        category = (f"in issue category {theme['issue_category']}, or "
                    if theme.get("issue_category") else "")
        described.append(f"who wrote about {theme['label']} (a negative or neutral review "
                         f"{category}close to the theme in meaning)")
    return described


def theme_conditions(themes: list[str], terms: dict[str, Any],
                     settings: Settings | None = None) -> list[str]:
    """One SQL condition on the customers table ``c`` per theme (all must hold)."""
    conditions = []
    for key in themes:
        theme = terms["review_themes"][key]
        signals = []
        if theme.get("issue_category"):
            signals.append(f"r.issue_category = {sql_strings([theme['issue_category']])}")
        similar = similar_reviews(key, terms, settings)
        if similar:
            signals.append(f"r.customer_review_id IN ({sql_ints(similar)})")
        if not signals:
            signals.append("FALSE")
        conditions.append(f"c.customer_id IN (SELECT r.customer_id FROM cymbal.{REVIEWS_TABLE} "
                          f"AS r WHERE r.text_sentiment IN ({sql_strings(UNHAPPY)}) "
                          f"AND ({' OR '.join(signals)}))")
    return conditions


def similar_reviews(key: str, terms: dict[str, Any],
                    settings: Settings | None = None) -> list[int]:
    """Ids of the negative or neutral reviews closest in meaning to theme ``key``: above the
    similarity floor and nearer to it than to any other theme by the margin."""
    import numpy as np

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
    keys = list(terms["review_themes"])
    queries = np.stack([query_vector(terms["review_themes"][k]["query"]) for k in keys])
    mine = keys.index(key)
    found = index.collection.query(
        query_embeddings=[queries[mine].tolist()],
        n_results=min(settings.audience_meaning_max_reviews, count),
        where={"sentiment": {"$in": list(UNHAPPY)}}, include=["metadatas", "embeddings"])
    if not found["ids"][0]:
        return []
    similarity = np.asarray(found["embeddings"][0], dtype=np.float32) @ queries.T
    nearest_other = np.delete(similarity, mine, axis=1).max(axis=1, initial=-1.0)
    keep = ((similarity[:, mine] >= settings.audience_meaning_min_similarity)
            & (similarity[:, mine] - nearest_other >= settings.audience_meaning_margin))
    return [int(meta["review_id"]) for meta, kept in zip(found["metadatas"][0], keep,
                                                         strict=True) if kept]
