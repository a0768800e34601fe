"""Persistent chromadb collections under ``data/chroma``, built incrementally with progress."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from config.settings import get_settings
from tools.search.embeddings import get_embedding_provider

ProgressFn = Callable[[str, int, int], None]


class IndexMissingError(RuntimeError):
    """A collection the caller needs has not been built."""


class IndexUnreadableError(IndexMissingError):
    """The index folder exists but chromadb cannot open it (a damaged or foreign file).
    Callers that degrade without an index treat it like a missing one."""


@lru_cache(maxsize=4)
def _client(path: str) -> chromadb.ClientAPI:
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=path, settings=ChromaSettings(
            anonymized_telemetry=False, allow_reset=True))
    except Exception as err:  # chromadb's Rust core raises its own InternalError types
        raise IndexUnreadableError(
            f"The vector index at {path} cannot be read ({type(err).__name__}: {err}). "
            f"Delete that folder and run `cymbal setup` to rebuild it.") from err


def chroma_client(path: Path | None = None) -> chromadb.ClientAPI:
    """The chromadb client for ``path`` (default: the ``data/chroma`` folder)."""
    return _client(str(path or get_settings().chroma_dir))


def content_hash(text: str, metadata: dict[str, Any]) -> str:
    body = text + "\x1f" + repr(sorted(metadata.items()))
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:16]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def upsert_incremental(collection: Any, ids: Sequence[str], documents: Sequence[str],
                       metadatas: Sequence[dict[str, Any]], stage: str,
                       progress: ProgressFn | None = None, batch_size: int = 64) -> int:
    """Embed and store only entries that are new or changed; return how many were written.

    Each entry's metadata carries a hash of its content and one of its text, so re-running
    costs one lookup per entry: nothing when nothing changed, a metadata update without
    embedding when only the metadata changed, and embedding for new or rewritten texts.
    """
    hashes = [content_hash(doc, meta) for doc, meta in zip(documents, metadatas, strict=True)]
    text_hashes = [text_hash(doc) for doc in documents]
    known: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 5_000):
        chunk = list(ids[start:start + 5_000])
        found = collection.get(ids=chunk, include=["metadatas"])
        for found_id, meta in zip(found["ids"], found["metadatas"], strict=True):
            meta = meta or {}
            known[found_id] = (meta.get("_hash", ""), meta.get("_text", ""))
    changed = [i for i, (id_, h) in enumerate(zip(ids, hashes, strict=True))
               if known.get(id_, ("", ""))[0] != h]
    relabel = [i for i in changed if known.get(ids[i], ("", ""))[1] == text_hashes[i]]
    todo = [i for i in changed if known.get(ids[i], ("", ""))[1] != text_hashes[i]]
    for start in range(0, len(relabel), 5_000):
        picked = relabel[start:start + 5_000]
        collection.update(ids=[ids[i] for i in picked], metadatas=[
            {**metadatas[i], "_hash": hashes[i], "_text": text_hashes[i]} for i in picked])
    provider = get_embedding_provider()
    if progress:
        progress(stage, 0, len(todo))
    for start in range(0, len(todo), batch_size):
        picked = todo[start:start + batch_size]
        vectors = provider.embed_passages([documents[i] for i in picked])
        collection.upsert(
            ids=[ids[i] for i in picked],
            documents=[documents[i] for i in picked],
            embeddings=[v.tolist() for v in vectors],
            metadatas=[{**metadatas[i], "_hash": hashes[i], "_text": text_hashes[i]}
                       for i in picked],
        )
        if progress:
            progress(stage, min(start + batch_size, len(todo)), len(todo))
    return len(changed)
