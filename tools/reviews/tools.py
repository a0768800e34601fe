"""The review tool the agent calls: ``search_reviews``."""

from __future__ import annotations

from typing import Any

from google.adk.tools import ToolContext

from tools.results import ReviewHits, failure
from tools.reviews.search import MAX_K, SearchError, open_index, resolve_filters, search


def search_reviews(query: str = "", min_rating: int | None = None,
                   max_rating: int | None = None, sentiment: str | None = None,
                   issue_category: str | None = None, product: str | None = None,
                   category: str | None = None, city: str | None = None,
                   segment: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, k: int = 10,
                   tool_context: ToolContext | None = None) -> dict[str, Any]:
    """Find customer reviews by what they say, in English or Korean, with optional filters.

    Use it for questions about what customers write ("reviews complaining about leaking
    bottles", "배송이 늦었다는 리뷰", "what do Seoul customers say about hoodies"). Counting or
    averaging reviews is a SQL question instead.

    Args:
        query: What the reviews should be about, in English or Korean. May be empty when
            filters alone pick the reviews (then the newest come first). A product title or
            SKU inside the query filters to that product.
        min_rating: Lowest star rating to include (1-5).
        max_rating: Highest star rating to include (1-5).
        sentiment: Text sentiment: positive, negative or neutral (긍정, 부정, 중립).
        issue_category: The complaint type, in Korean or English: 품질불량 (quality defect),
            배송문제 (delivery), 기대미충족 (not as expected), 단순변심 (changed mind),
            결제문제 (payment), 응대문제 (customer service), 기타 (other), 해당없음 (none).
        product: A product id, SKU or title (an exact title, or part of one).
        category: Product category: Apparel, Accessories, Drinkware, Office, Bags,
            Google Hardware (or Korean, e.g. 가방).
        city: Customer city in English or Korean, e.g. Seoul or 서울.
        segment: Persona segment such as Younger_Adult_FEMALE_LOYAL, or parts of one
            ("younger loyal women", "젊은 여성" picks every segment with those parts).
        date_from: Earliest review date, e.g. 2025-03-01, 2025-03 or 2025.
        date_to: Latest review date, same formats.
        k: How many reviews to return (1-50, default 10).

    Returns:
        {"query", "filters", "count", "reviews": [{review_id, customer_id, product_id,
        product_title, rating, sentiment, issue_category, date, city, segment, snippet,
        score}]}, or a failure (``error``, ``message``, ``suggestions``) when the search cannot run.
    """
    try:
        count = max(1, min(int(k or 10), MAX_K))
        index = open_index()
        filters = resolve_filters(
            index, min_rating=min_rating, max_rating=max_rating, sentiment=sentiment,
            issue_category=issue_category, product=product, category=category, city=city,
            segment=segment, date_from=date_from, date_to=date_to)
        notes = []
        text = (query or "").strip()
        if text and not filters.product_ids:
            named = index.product_in_query(text)
            if named:
                filters.product_ids = sorted({p.product_id for p in named})
                filters.product = named[0].title
                notes.append(f"The query names the product {named[0].title!r}: only its "
                             "reviews are searched.")
        hits = search(index, text, filters, count)
    except SearchError as err:
        return err.to_dict()
    except Exception as err:  # noqa: BLE001 - a tool answers with data, never raises
        return failure("search_failed", f"{type(err).__name__}: {err}",
                       ["Rebuild the index with: cymbal setup"])
    if not hits:
        notes.append("No review matches these filters; try fewer or broader filters.")
    result = ReviewHits(query=text, filters=filters.described(), count=len(hits), reviews=hits,
                        notes=notes).to_dict()
    if tool_context is not None:
        tool_context.state["last_reviews"] = {"query": text, "filters": result["filters"],
                                              "rows": result["reviews"]}
    return result
