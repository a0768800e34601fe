"""The answer to a review search: how many reviews came back, for what and with which
filters, and a few of them quoted with their rating, sentiment and date."""

from __future__ import annotations

from typing import Any

from agent.offline.answers import AnswerContext, phrase, register_writer
from tools.results import ReviewHit, ReviewHits
from tools.sql.knowledge import load_glossary
from tools.vocabulary.reviews import issue_categories
from tools.vocabulary.segments import city_name, display_name

QUOTED = 3


def filter_labels(filters: dict[str, Any], lang: str) -> list[str]:
    """The search's filters (as the tool applied them) in words of ``lang``."""
    glossary = load_glossary()
    labels = []
    for key, value in filters.items():
        if key == "city":
            labels.append(city_name(str(value), lang))
        elif key == "sentiment":
            labels.append(glossary.label("sentiment", str(value), lang))
        elif key == "issue_category":
            known = issue_categories().get(str(value))
            labels.append(str(value) if lang == "ko" or known is None else known.name)
        elif key == "segments":
            labels.append(" / ".join(display_name(s, lang) for s in value))
        elif key == "category":
            labels.append(glossary.label("category", f"[{value}]", lang))
        elif key == "product":
            labels.append(str(value))
        elif key in ("min_rating", "max_rating"):
            labels.append(phrase(f"filter_{key}", lang, n=value))
        elif key in ("date_from", "date_to"):
            day = str(value)
            labels.append(phrase(f"filter_{key}", lang, day=f"{day[:4]}-{day[4:6]}-{day[6:]}"))
    return labels


def _line(review: ReviewHit, lang: str) -> str:
    return phrase("review_line", lang, snippet=review.snippet, rating=review.rating,
                  sentiment=load_glossary().label("sentiment", review.sentiment, lang),
                  date=review.date, product=review.product_title)


@register_writer("search_reviews")
def write_review_search(ctx: AnswerContext) -> str:
    """How many reviews were found and a few quoted, with the filters applied."""
    found = ReviewHits.parse(ctx.response) or ReviewHits()
    query, reviews = found.query, found.reviews
    labels = filter_labels(found.filters, ctx.lang)
    about = phrase("reviews_about", ctx.lang, query=query) if query else ""
    filters = phrase("reviews_filters", ctx.lang, items=", ".join(labels)) if labels else ""
    if not reviews:
        return phrase("reviews_none", ctx.lang, about=about, filters=filters).strip()
    head = phrase("reviews_found" if query else "reviews_newest", ctx.lang,
                  n=found.count or len(reviews), about=about, filters=filters)
    distinct: dict[str, ReviewHit] = {}  # the same words twice are quoted once, in rank
    for review in reviews:
        distinct.setdefault(review.snippet, review)
    lines = [_line(r, ctx.lang) for r in list(distinct.values())[:QUOTED]]
    text = "\n".join([head.strip(), *lines])
    return (phrase("followup_note", ctx.lang) if ctx.followup else "") + text
