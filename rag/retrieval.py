"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

All three pieces are llama-index's own (VectorIndexRetriever over
ChromaVectorStore, BM25Retriever, QueryFusionRetriever in reciprocal-rank mode
with a single query, so no LLM is asked to write query variants). This module
only wires them and turns the fused nodes into numbered Passages. The BM25
index comes from rag.index.derived, built once per index content.
"""

from __future__ import annotations

import threading

from rag.answer import Passage
from rag.index.derived import Derived, Snapshot
from rag.index.store import Store
from rag.ingestion.embedding import as_llama_embedding

CANDIDATES_PER_RETRIEVER = 3  # each retriever proposes top_k * this before fusion


class HybridRetriever:
    def __init__(self, store: Store, top_k: int = 4, derived: Derived | None = None) -> None:
        self.store = store
        self.top_k = top_k
        self.derived = derived or Derived(store)
        self._embed_model = as_llama_embedding(store.embedder)
        self._fusions: dict[int, object] = {}
        self._built_for: str | None = None
        self._lock = threading.Lock()

    def _build(self, snap: Snapshot, top_k: int):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES

        k = min(snap.stats.n, top_k * CANDIDATES_PER_RETRIEVER)
        index = VectorStoreIndex.from_vector_store(self.store.vector_store, embed_model=self._embed_model)
        return QueryFusionRetriever(
            [index.as_retriever(similarity_top_k=k), snap.keyword_retriever(k)], llm=MockLLM(),
            mode=FUSION_MODES.RECIPROCAL_RANK, similarity_top_k=top_k, num_queries=1, use_async=False,
        )

    def _fusion_for(self, snap: Snapshot, top_k: int):
        """The fused retriever for this snapshot and top_k (built on first use)."""
        with self._lock:
            if self._built_for != snap.fingerprint:
                self._fusions, self._built_for = {}, snap.fingerprint
            if top_k not in self._fusions:
                self._fusions[top_k] = self._build(snap, top_k)
            return self._fusions[top_k]

    def at(self, snap: Snapshot) -> _Pinned:
        """This retriever on a given snapshot (the engine checks the index once per question)."""
        return _Pinned(self, snap)

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        return self.at(self.derived.current()).retrieve(query, top_k)


class _Pinned:
    def __init__(self, hybrid: HybridRetriever, snap: Snapshot) -> None:
        self.hybrid, self.snap = hybrid, snap

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.hybrid.top_k
        fusion = self.hybrid._fusion_for(self.snap, k)
        with self.hybrid.store.guard():
            results = fusion.retrieve(query)
        passages = []
        for i, nws in enumerate(results[:k], start=1):
            m = nws.node.metadata
            passages.append(Passage(i, nws.node.node_id, nws.node.get_content(), m["source"], m.get("text_path") or m["path"],
                                    m.get("heading", ""), int(m["start"]), int(m["end"]), float(nws.score or 0.0),
                                    m.get("page")))
        return passages
