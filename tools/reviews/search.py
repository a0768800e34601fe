"""Review search by meaning: the index, filters, ranking and snippets behind ``search_reviews``.

A query in English or Korean is embedded with the configured provider and matched against
the ``reviews`` index; optional filters (rating range, text sentiment, issue category,
product, product category, customer city, persona segment, date range) narrow the search
inside the index. Filter values may be written in English or Korean; an unknown value comes
back as an error with the closest valid values. Product names and ids match exactly, also
when the query itself names a product. Results are re-ranked with a small bonus for reviews
that contain the query's words, and each gets the snippet that best matches the query.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from config.settings import Settings, get_settings
from tools.results import ReviewHit, failure
from tools.search.embeddings import get_embedding_provider
from tools.search.vector_index import IndexUnreadableError, chroma_client
from tools.vocabulary.language import has_hangul
from tools.vocabulary.reviews import (
    VocabularyError,
    korean_glossary,
    resolve_city,
    resolve_issue_category,
    resolve_product_category,
    resolve_segments,
    resolve_sentiment,
)

COLLECTION = "reviews"
PRODUCTS_FILE = "reviews_products.json"
MAX_K = 50
CANDIDATES = 4  # candidates fetched per wanted result, for re-ranking
WORD_BONUS = 0.08  # added to the cosine similarity when every query word is in the review
ISSUE_BONUS = 0.04  # ... when the review's issue category is the one the query asks about
TONE_BONUS = 0.02  # ... when the review's sentiment matches a query that complains or praises
SNIPPET_CHARS = 220
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[\r\n]+")
_SKU = re.compile(r"\bGG[A-Z0-9]{6,}\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z][a-z'\-]{2,}|[\uac00-\ud7a3]{2,}")
INTENT_EVIDENCE = 1.5  # cue weight that tells which issue a query is about
_QUERY_STOP = frozenset("""the and for with that this are was were about from reviews review
customers customer show find give list any all who what which where when how their them our
your its not but have has had get got say says said complaints complaint people""".split())


class SearchError(ValueError):
    """A search that cannot run as asked; reported to the model as a ``Failure``."""

    def __init__(self, code: str, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.suggestions = suggestions or []

    def to_dict(self) -> dict[str, Any]:
        return failure(self.code, str(self), self.suggestions)


@dataclass
class Filters:
    """Filters resolved to the values stored in the index."""

    min_rating: int | None = None
    max_rating: int | None = None
    sentiment: str | None = None
    issue_category: str | None = None
    product_ids: list[int] = field(default_factory=list)
    product: str | None = None  # how the product was named
    category: str | None = None
    city: str | None = None
    segments: list[str] = field(default_factory=list)
    date_from: int | None = None
    date_to: int | None = None

    def where(self) -> dict[str, Any] | None:
        """The chromadb ``where`` clause."""
        terms: list[dict[str, Any]] = []
        if self.min_rating is not None:
            terms.append({"rating": {"$gte": self.min_rating}})
        if self.max_rating is not None:
            terms.append({"rating": {"$lte": self.max_rating}})
        for key in ("sentiment", "issue_category", "category", "city"):
            value = getattr(self, key)
            if value is not None:
                terms.append({key: value})
        if self.segments:
            terms.append({"segment": {"$in": self.segments}})
        if self.product_ids:
            terms.append({"product_id": {"$in": self.product_ids}})
        if self.date_from is not None:
            terms.append({"date": {"$gte": self.date_from}})
        if self.date_to is not None:
            terms.append({"date": {"$lte": self.date_to}})
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else {"$and": terms}

    def described(self) -> dict[str, Any]:
        """The filters that are set, for the answer."""
        shown = {k: v for k, v in asdict(self).items() if v not in (None, [])}
        if "product_ids" in shown and len(shown["product_ids"]) > 10:
            shown["product_ids"] = shown["product_ids"][:10] + ["…"]
        return shown


@dataclass(frozen=True)
class Product:
    product_id: int
    sku: str
    title: str
    category: str


class ReviewIndex:
    """The persisted review collection and the titles of the reviewed products."""

    def __init__(self, chroma_dir: Path) -> None:
        try:
            self.collection = chroma_client(chroma_dir).get_collection(COLLECTION)
        except IndexUnreadableError as err:
            raise SearchError("index_unreadable", str(err),
                              ["Delete the index folder and run: cymbal setup"]) from err
        except Exception as err:  # chromadb raises NotFoundError or ValueError by version
            raise SearchError("index_missing", "The review search index has not been built.",
                              ["Build it with: cymbal setup"]) from err
        path = Path(chroma_dir) / PRODUCTS_FILE
        raw = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        self.products = [Product(**item) for item in raw]

    def resolve_product(self, value: str) -> list[Product]:
        """Products named by an id, a SKU, an exact title or a part of a title."""
        text = str(value).strip()
        if text.isdigit():
            found = [p for p in self.products if p.product_id == int(text)]
        elif _SKU.fullmatch(text):
            found = [p for p in self.products if p.sku.lower() == text.lower()]
        else:
            lowered = text.lower()
            found = [p for p in self.products if p.title.lower() == lowered]
            if not found and len(lowered) >= 3:
                found = [p for p in self.products if lowered in p.title.lower()]
        if not found:
            titles = sorted({p.title for p in self.products})
            raise SearchError("unknown_product", f"No reviewed product matches {value!r}.",
                              _closest_titles(text, titles))
        return found

    def product_in_query(self, query: str) -> list[Product]:
        """Products the query names exactly (the longest title it contains, or a SKU)."""
        sku = _SKU.search(query)
        if sku:
            return [p for p in self.products if p.sku.lower() == sku.group().lower()]
        lowered = query.lower()
        named = [p.title for p in self.products if len(p.title) >= 8 and p.title.lower() in lowered]
        if not named:
            return []
        longest = max(named, key=len).lower()
        return [p for p in self.products if p.title.lower() == longest]


def _closest_titles(text: str, titles: list[str]) -> list[str]:
    """Titles sharing most words with ``text``, else the closest by spelling."""
    titles = [t for t in titles if t]
    words = set(_WORDS.findall(text.lower()))
    overlap = sorted(titles, key=lambda t: -len(words & set(_WORDS.findall(t.lower()))))
    by_words = [t for t in overlap[:5] if words & set(_WORDS.findall(t.lower()))]
    if by_words:
        return by_words
    lowered = {t.lower(): t for t in titles}
    return [lowered[t] for t, _, _ in process.extract(text.lower(), list(lowered),
                                                       scorer=fuzz.ratio, limit=5,
                                                       score_cutoff=50)]


@lru_cache(maxsize=2)
def _index(chroma_dir: str, built: float) -> ReviewIndex:
    return ReviewIndex(Path(chroma_dir))


def open_index(settings: Settings | None = None) -> ReviewIndex:
    """The review index of the configured data folder (reopened after each rebuild)."""
    chroma_dir = (settings or get_settings()).chroma_dir
    products = Path(chroma_dir) / PRODUCTS_FILE
    return _index(str(chroma_dir), products.stat().st_mtime if products.exists() else 0.0)


def _rating(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise SearchError("bad_rating", f"{name} must be a whole number of stars from 1 to 5, "
                          f"not {value!r}.", ["1", "2", "3", "4", "5"])
    return number


def _date(value: str | None, name: str, end: bool) -> int | None:
    """YYYYMMDD from '2025-03-14', '2025-03' or '2025' (a month or year spans its whole range)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            day = dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        elif re.fullmatch(r"\d{4}-\d{1,2}", text):
            year, month = (int(p) for p in text.split("-"))
            first = dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            day = following - dt.timedelta(days=1) if end else first
        else:
            day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise SearchError("bad_date", f"{name} must be a date like 2025-03-14, 2025-03 or 2025, "
                          f"not {value!r}.") from None
    return int(day.strftime("%Y%m%d"))


def resolve_filters(index: ReviewIndex, *, min_rating: Any = None, max_rating: Any = None,
                    sentiment: str | None = None, issue_category: str | None = None,
                    product: str | None = None, category: str | None = None,
                    city: str | None = None, segment: str | None = None,
                    date_from: str | None = None, date_to: str | None = None) -> Filters:
    """Filters as stored in the index; raises SearchError for values that do not exist."""
    filters = Filters(min_rating=_rating(min_rating, "min_rating"),
                      max_rating=_rating(max_rating, "max_rating"),
                      date_from=_date(date_from, "date_from", end=False),
                      date_to=_date(date_to, "date_to", end=True))
    if (filters.min_rating and filters.max_rating and filters.min_rating > filters.max_rating):
        raise SearchError("bad_rating", f"min_rating {filters.min_rating} is above max_rating "
                          f"{filters.max_rating}.")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise SearchError("bad_date", "date_from is after date_to.")
    try:
        if sentiment:
            filters.sentiment = resolve_sentiment(sentiment)
        if issue_category:
            filters.issue_category = resolve_issue_category(issue_category)
        if category:
            filters.category = resolve_product_category(category)
        if city:
            filters.city = resolve_city(city)
        if segment:
            filters.segments = resolve_segments(segment)
    except VocabularyError as err:
        raise SearchError(err.code, str(err), err.suggestions) from None
    if product:
        filters.product_ids = sorted({p.product_id for p in index.resolve_product(product)})
        filters.product = product
    return filters


def query_words(query: str) -> set[str]:
    """The content words of a query, Korean words also given in English."""
    text = " ".join([query, korean_gloss(query)]).lower()
    return {w for w in _WORDS.findall(text) if w not in _QUERY_STOP}


def snippet(text: str, words: set[str]) -> str:
    """The sentence that shares most words with the query (the opening if none does)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text or "") if p.strip()] or [text]
    scored = [(sum(w in p.lower() for w in words), -i, p) for i, p in enumerate(parts)]
    best = max(scored)[2] if words and max(scored)[0] > 0 else " ".join(parts[:2])
    best = " ".join(best.split())
    return best if len(best) <= SNIPPET_CHARS else best[:SNIPPET_CHARS - 1].rstrip() + "…"


def korean_gloss(query: str) -> str:
    """The English words of the Korean shopping terms in ``query`` ('' if none)."""
    if not has_hangul(query):
        return ""
    words = [english for korean, english in korean_glossary().items() if korean in query]
    return " ".join(dict.fromkeys(" ".join(words).split()))


def query_vector(query: str) -> Any:
    """The query's embedding; a Korean query also leans towards its English gloss."""
    provider = get_embedding_provider()
    gloss = korean_gloss(query)
    vectors = provider.embed_queries([query, gloss] if gloss else [query])
    vector = vectors.sum(axis=0)
    return vector / max(float((vector ** 2).sum()) ** 0.5, 1e-9)


def query_intent(query: str) -> tuple[str | None, str | None]:
    """The issue category and tone (negative/positive) a query asks about, if clear."""
    from tools.reviews.issues import cue_evidence
    from tools.reviews.sentiment import score_review

    text = " ".join([query, korean_gloss(query)])
    tone = score_review(text)
    evidence = cue_evidence(tone)
    best = max(evidence, key=evidence.__getitem__, default=None)
    issue = best if best is not None and evidence[best] >= INTENT_EVIDENCE else None
    label = "negative" if issue or tone.score <= -0.2 else "positive" if tone.score >= 0.3 else None
    return issue, label


def search(index: ReviewIndex, query: str, filters: Filters, k: int) -> list[ReviewHit]:
    """The ``k`` best reviews for ``query`` within ``filters`` (newest first without a query)."""
    where = filters.where()
    words = query_words(query)
    if query.strip():
        fetch = min(max(k * CANDIDATES, 20), 200)
        found = index.collection.query(query_embeddings=[query_vector(query).tolist()],
                                       n_results=fetch, where=where,
                                       include=["documents", "metadatas", "distances"])
        issue, tone = query_intent(query)
        english = {w for w in words if not has_hangul(w)}
        rows = []
        for doc, meta, distance in zip(found["documents"][0], found["metadatas"][0],
                                       found["distances"][0], strict=True):
            score = (1.0 - distance + WORD_BONUS * _coverage(doc, english)
                     + ISSUE_BONUS * (issue is not None and meta.get("issue_category") == issue)
                     + TONE_BONUS * (tone is not None and meta.get("sentiment") == tone))
            rows.append((doc, meta, score))
        rows.sort(key=lambda row: -row[2])
    else:
        found = index.collection.get(where=where, include=["documents", "metadatas"])
        rows = sorted(((doc, meta, 0.0) for doc, meta in zip(found["documents"], found["metadatas"],
                                                             strict=True)),
                      key=lambda row: (-int(row[1].get("date", 0)), -int(row[1]["review_id"])))
    return [_hit(doc, meta, score, words) for doc, meta, score in rows[:k]]


def _coverage(document: str, words: set[str]) -> float:
    if not words:
        return 0.0
    lowered = document.lower()
    return sum(w in lowered for w in words) / len(words)


def _hit(document: str, meta: dict[str, Any], score: float, words: set[str]) -> ReviewHit:
    return ReviewHit(
        review_id=int(meta["review_id"]), customer_id=int(meta["customer_id"]),
        product_id=int(meta["product_id"]), product_title=str(meta.get("product_title", "")),
        rating=int(meta.get("rating", 0)), sentiment=str(meta.get("sentiment", "")),
        issue_category=str(meta.get("issue_category", "")),
        date=str(meta.get("datetime", ""))[:10], city=str(meta.get("city", "")),
        segment=str(meta.get("segment", "")), snippet=snippet(document, words),
        score=round(float(score), 4))
