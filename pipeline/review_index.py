"""The review search index: every review's text in a persistent chromadb collection.

Each entry carries what search filters on: rating, text sentiment and issue category (from
enrichment), product id, title and category, the customer's city and persona segment, and the
review date. Building is incremental: new reviews are embedded, reviews whose analysis
changed only get new metadata, reviews that are gone are removed. The titles of reviewed
products are kept beside the index so search can match product names without the warehouse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from config.settings import Settings
from pipeline.progress import NullReporter, Reporter
from tools.reviews.search import COLLECTION, PRODUCTS_FILE
from tools.search.embeddings import CymbalEmbeddingFunction
from tools.search.vector_index import chroma_client, upsert_incremental
from tools.vocabulary.segments import persona_segment

STAGE = "indexing reviews"
EMBED_BATCH = 256  # the bundled model embeds large batches several times faster than small ones
_READ_SQL = """
    SELECT r.customer_review_id, r.customer_id, r.review_text, r.rating, r.review_datetime,
           r.product_id, p.title, p.id AS sku, p.categories,
           c.address_city, c.age, c.gender, c.loyalty_member,
           {analysis}
    FROM customer_reviews r
    LEFT JOIN customers c USING (customer_id)
    LEFT JOIN (SELECT *, TRY_CAST(product_id AS BIGINT) AS pid FROM products) p
           ON p.pid = r.product_id
    {join}
    ORDER BY r.customer_review_id"""


@dataclass(frozen=True)
class IndexSummary:
    """What a build did."""

    total: int
    written: int
    removed: int
    rebuilt: bool


def products_path(settings: Settings) -> Path:
    return settings.chroma_dir / PRODUCTS_FILE


def read_reviews(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Reviews with their product, customer and analysis columns (analysis may be absent)."""
    has_analysis = con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE "
                               "table_name = 'customer_reviews_analysis'").fetchone()[0]
    if has_analysis:
        sql = _READ_SQL.format(
            analysis="a.text_sentiment, a.issue_category",
            join="LEFT JOIN customer_reviews_analysis a USING (customer_review_id)")
    else:
        sql = _READ_SQL.format(analysis="NULL AS text_sentiment, NULL AS issue_category", join="")
    return con.execute(sql).df()


def category_name(categories: Any) -> str:
    """'[Bags]' -> 'Bags' ('' when unknown)."""
    if categories is None or pd.isna(categories):
        return ""
    return str(categories).strip().strip("[]").strip()


def entry_metadata(row: Any) -> dict[str, Any]:
    """The metadata of one review in the index (chromadb takes no None values)."""
    when = pd.Timestamp(row.review_datetime) if not pd.isna(row.review_datetime) else None
    segment = persona_segment(None if pd.isna(row.age) else int(row.age),
                              None if pd.isna(row.gender) else str(row.gender),
                              None if pd.isna(row.loyalty_member) else bool(row.loyalty_member))
    return {
        "review_id": int(row.customer_review_id),
        "customer_id": int(row.customer_id) if not pd.isna(row.customer_id) else -1,
        "product_id": int(row.product_id) if not pd.isna(row.product_id) else -1,
        "product_title": "" if pd.isna(row.title) else str(row.title),
        "category": category_name(row.categories),
        "city": "" if pd.isna(row.address_city) else str(row.address_city),
        "segment": segment or "",
        "rating": int(row.rating) if not pd.isna(row.rating) else 0,
        "sentiment": "" if pd.isna(row.text_sentiment) else str(row.text_sentiment),
        "issue_category": "" if pd.isna(row.issue_category) else str(row.issue_category),
        "date": int(when.strftime("%Y%m%d")) if when is not None else 0,
        "datetime": when.isoformat(sep=" ") if when is not None else "",
    }


def build_review_index(settings: Settings, reporter: Reporter | None = None,
                       frame: pd.DataFrame | None = None) -> IndexSummary:
    """Bring the ``reviews`` collection up to date with the warehouse (or ``frame``)."""
    reporter = reporter or NullReporter()
    if frame is None:
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        try:
            frame = read_reviews(con)
        finally:
            con.close()
    collection, rebuilt = _collection(settings)
    ids = [str(int(i)) for i in frame["customer_review_id"]]
    removed = _remove_stale(collection, set(ids))
    metadatas = [entry_metadata(row) for row in frame.itertuples(index=False)]
    documents = [str(t or "") for t in frame["review_text"]]
    written = upsert_incremental(collection, ids, documents, metadatas, STAGE,
                                 progress=reporter.update, batch_size=EMBED_BATCH)
    _write_products(settings, frame)
    return IndexSummary(total=len(ids), written=written, removed=removed, rebuilt=rebuilt)


def _collection(settings: Settings) -> tuple[Any, bool]:
    """The collection, recreated if it was built with another embedding provider."""
    client = chroma_client(settings.chroma_dir)
    try:
        existing = client.get_collection(COLLECTION)
        provider = (existing.metadata or {}).get("embedding_provider")
    except Exception:  # chromadb raises NotFoundError or ValueError by version
        provider = None
        existing = None
    rebuilt = existing is not None and provider != settings.embedding
    if rebuilt:
        client.delete_collection(COLLECTION)
    collection = client.get_or_create_collection(
        COLLECTION, embedding_function=CymbalEmbeddingFunction(provider=settings.embedding),
        metadata={"hnsw:space": "cosine", "embedding_provider": settings.embedding})
    return collection, rebuilt


def _remove_stale(collection: Any, keep: set[str]) -> int:
    stale = [i for i in collection.get(include=[])["ids"] if i not in keep]
    for start in range(0, len(stale), 5_000):
        collection.delete(ids=stale[start:start + 5_000])
    return len(stale)


def _write_products(settings: Settings, frame: pd.DataFrame) -> None:
    """The reviewed products (id, SKU, title, category) for product-name matching in search."""
    seen = frame.drop_duplicates("product_id")
    products = [{"product_id": int(r.product_id), "sku": "" if pd.isna(r.sku) else str(r.sku),
                 "title": "" if pd.isna(r.title) else str(r.title),
                 "category": category_name(r.categories)}
                for r in seen.itertuples(index=False) if not pd.isna(r.product_id)]
    path = products_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(products, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
