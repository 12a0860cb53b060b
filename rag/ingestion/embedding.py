"""Embedders: one method, `embed(texts) -> unit vectors`, picked by make_embedder().

`LocalEmbedder` runs the bundled all-MiniLM-L6-v2 offline (rag.ingestion.minilm);
`OpenAIEmbedder` calls the OpenAI embeddings API when RAG_EMBEDDINGS=openai.
`as_llama_embedding` adapts either to llama-index's BaseEmbedding so the
library's vector retriever can use it.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from rag.errors import BackendUnavailable
from rag.settings import Settings


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


class LocalEmbedder:
    """The bundled all-MiniLM-L6-v2 through the NumPy forward pass (rag.ingestion.minilm), for a
    question as for a whole ingest: it starts in milliseconds and, grouping texts by
    token count, embeds chunks faster than sentence-transformers does on the same CPU,
    so torch is never imported. Its vectors match sentence-transformers' (cosine
    > 0.9999, tested)."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        from rag.ingestion.minilm import MiniLM

        self._model = MiniLM()

    def load(self) -> None:
        """Load the weights and the tokenizer, without embedding anything."""
        self._model.tokenizer, self._model.weights  # noqa: B018 (cached on first use)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(list(texts))


class OpenAIEmbedder:
    def __init__(self, model: str, api_key: str | None, base_url: str | None = None) -> None:
        if not api_key:
            raise BackendUnavailable("RAG_EMBEDDINGS=openai needs OPENAI_API_KEY")
        from openai import OpenAI

        self.name = f"openai:{model}"
        self._model = model
        self._client = OpenAI(api_key=api_key, base_url=base_url, timeout=60, max_retries=3)

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            data = self._client.embeddings.create(model=self._model, input=list(texts)).data
        except openai.OpenAIError as exc:
            raise BackendUnavailable(f"OpenAI embeddings failed: {type(exc).__name__}") from None
        vecs = np.array([d.embedding for d in data], dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


class CachedEmbedder:
    """Remembers vectors by text, so passages and sentences seen before cost nothing.

    Bounded (oldest entries dropped) so a long-running server stays flat in memory.
    """

    def __init__(self, inner: Embedder, maxsize: int = 20000) -> None:
        self.inner = inner
        self.name = inner.name
        self.maxsize = maxsize
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = dict(zip(missing, self.inner.embed(missing)))
            found.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self.maxsize:
                    self._cache.pop(next(iter(self._cache)))
        return np.stack([found[t] for t in texts])


    def forget(self, text: str) -> None:
        with self._lock:
            self._cache.pop(text, None)


def make_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        return CachedEmbedder(OpenAIEmbedder(settings.openai_embed_model, settings.llm_api_key))
    return CachedEmbedder(LocalEmbedder())


def as_llama_embedding(embedder: Embedder):
    """Wrap an Embedder as a llama-index BaseEmbedding (the adapter the library lacks)."""
    from llama_index.core.embeddings import BaseEmbedding

    class _Adapter(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return _Adapter(model_name=embedder.name, embed_batch_size=64)
