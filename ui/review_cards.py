"""Review search hits as cards in the result panel: every review found, in rank order, each
with its matching words marked, its stars, sentiment, complaint type, product, city, segment
and date. Review text is untrusted data: every piece of it is escaped before it is marked up.
"""

from __future__ import annotations

import html
import re

from agent.offline.writers.reviews import filter_labels
from tools.results import ReviewHit, ReviewHits, Table
from tools.reviews.search import query_words
from tools.sql.value_labels import value_label
from tools.vocabulary.reviews import NO_ISSUE
from ui.wording import phrase

STEM_SUFFIXES = ("ing", "ies", "ied", "ed", "es", "s", "y")
MIN_STEM = 4
STARS = 5
CSV_COLUMNS = ["review_id", "date", "rating", "sentiment", "issue_category", "product_title",
               "product_id", "city", "segment", "customer_id", "snippet"]


def stem(word: str) -> str:
    """A word without its English ending, so 'delivery' marks 'delivered' and 'leaking'
    marks 'leaks'; short words stay whole."""
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[:-len(suffix)]
    return word


def match_pattern(words: set[str]) -> re.Pattern[str] | None:
    """Whole words starting with any of the stems of ``words`` (None when there are none)."""
    stems = sorted({stem(w.lower()) for w in words if len(w) >= 3}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + r")\w*", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` escaped for HTML, with the words ``pattern`` finds inside ``<mark>``."""
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for found in pattern.finditer(text):
        out += [html.escape(text[last:found.start()]),
                f"<mark>{html.escape(found.group())}</mark>"]
        last = found.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _stars(rating: int) -> str:
    full = max(0, min(STARS, rating))
    return "★" * full + "☆" * (STARS - full)


def review_card(hit: ReviewHit, pattern: re.Pattern[str] | None, lang: str,
                with_customer: bool = True) -> str:
    """One review as a card (``with_customer``: naming who wrote it)."""
    chips = []
    if hit.sentiment:
        chips.append(f'<span class="chip sentiment-{html.escape(hit.sentiment)}">'
                     f'{html.escape(value_label("sentiment", hit.sentiment, lang))}</span>')
    if hit.issue_category and hit.issue_category != NO_ISSUE:
        chips.append(f'<span class="chip">'
                     f'{html.escape(value_label("issue_category", hit.issue_category, lang))}'
                     "</span>")
    facts = [hit.product_title, value_label("city", hit.city, lang) if hit.city else "",
             value_label("segment", hit.segment, lang) if hit.segment else "", hit.date,
             phrase("customer", lang, id=hit.customer_id) if with_customer else ""]
    stars = phrase("rating_stars", lang, n=hit.rating)
    return (f'<article class="review-card" data-review-id="{hit.review_id}">'
            f'<div class="review-head"><span class="stars" title="{html.escape(stars)}" '
            f'aria-label="{html.escape(stars)}">{_stars(hit.rating)}</span>{"".join(chips)}'
            f'</div><p class="review-snippet">“{highlight(hit.snippet, pattern)}”</p>'
            f'<div class="review-facts">{" · ".join(html.escape(f) for f in facts if f)}'
            "</div></article>")


def review_cards(found: ReviewHits, lang: str) -> str:
    """Every review found, as cards, in the order the search ranked them."""
    if not found.reviews:
        return f'<p class="review-none">{html.escape(phrase("reviews_none", lang))}</p>'
    pattern = match_pattern(query_words(found.query)) if found.query else None
    cards = "".join(review_card(hit, pattern, lang) for hit in found.reviews)
    return f'<div class="review-cards">{cards}</div>'


def review_title(found: ReviewHits, lang: str) -> str:
    """'10 reviews · about “late delivery” · delivery problem, Busan': how many, what about
    (or newest first, when no words were searched) and the filters applied."""
    count = phrase("reviews_found", lang, n=len(found.reviews))
    about = (phrase("reviews_about", lang, query=found.query) if found.query
             else phrase("reviews_newest", lang))
    filters = ", ".join(filter_labels(found.filters, lang))
    return " · ".join(part for part in (count, about, filters) if part)


def review_table(found: ReviewHits) -> Table:
    """The hits as rows, for the CSV download."""
    return Table.from_records([hit.model_dump() for hit in found.reviews], CSV_COLUMNS)
