"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

All three pieces are llama-index's own (VectorIndexRetriever over
ChromaVectorStore, BM25Retriever, QueryFusionRetriever in reciprocal-rank mode
with a single query, so no LLM is asked to write query variants). This module
only wires them and turns the fused nodes into numbered Passages. The BM25
index comes from rag.index.derived, built once per index content.

Retrieval limited to chosen documents (`paths`: file paths as indexed, metadata
"path") filters both sides: the dense one with llama-index MetadataFilters
(FilterOperator.IN, which the Chroma store turns into a `where` $in), the
keyword one with BM25's corpus weight mask, then dropping any other file's node
it still returns (zero-scored ones fill its top k when the files are small).
"""

from __future__ import annotations

import threading
from functools import cache

from rag.answer import Passage, origin_of
from rag.index.derived import Derived, Snapshot
from rag.index.store import Store
from rag.ingestion.embedding import as_llama_embedding

CANDIDATES_PER_RETRIEVER = 3  # each retriever proposes top_k * this before fusion
MAX_FUSIONS = 64  # fused retrievers kept (per top_k and set of chosen files) before starting afresh


class HybridRetriever:
    def __init__(self, store: Store, top_k: int = 4, derived: Derived | None = None) -> None:
        self.store = store
        self.top_k = top_k
        self.derived = derived or Derived(store)
        self._embed_model = as_llama_embedding(store.embedder)
        self._fusions: dict[tuple, object] = {}  # (top_k, files or None) -> fused retriever
        self._built_for: str | None = None
        self._lock = threading.Lock()

    def _build(self, snap: Snapshot, top_k: int, paths: frozenset[str] | None = None):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

        k = min(snap.stats.n, top_k * CANDIDATES_PER_RETRIEVER)
        index = VectorStoreIndex.from_vector_store(self.store.vector_store, embed_model=self._embed_model)
        if paths is None:
            dense, keyword = index.as_retriever(similarity_top_k=k), snap.keyword_retriever(k)
        else:
            only = MetadataFilters(filters=[MetadataFilter(key="path", value=sorted(paths), operator=FilterOperator.IN)])
            dense = index.as_retriever(similarity_top_k=k, filters=only)
            keyword = _only_paths()(snap.keyword_retriever(k, paths), paths)
        return QueryFusionRetriever(
            [dense, keyword], llm=MockLLM(),
            mode=FUSION_MODES.RECIPROCAL_RANK, similarity_top_k=top_k, num_queries=1, use_async=False,
        )

    def _fusion_for(self, snap: Snapshot, top_k: int, paths: frozenset[str] | None = None):
        """The fused retriever for this snapshot, top_k and set of files (built on first use)."""
        key = (top_k, paths)
        with self._lock:
            if self._built_for != snap.fingerprint or len(self._fusions) >= MAX_FUSIONS:
                self._fusions, self._built_for = {}, snap.fingerprint
            if key not in self._fusions:
                self._fusions[key] = self._build(snap, top_k, paths)
            return self._fusions[key]

    def at(self, snap: Snapshot, paths=None) -> _Pinned:
        """This retriever on a given snapshot (the engine checks the index once per question),
        limited to the files `paths` when given (file paths as indexed)."""
        return _Pinned(self, snap, frozenset(paths) if paths else None)

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        return self.at(self.derived.current()).retrieve(query, top_k)


@cache
def _only_paths():
    """The class OnlyPaths (made on first use: llama-index takes seconds to import)."""
    from llama_index.core.retrievers import BaseRetriever

    class OnlyPaths(BaseRetriever):
        """Another retriever's nodes that belong to the given files."""

        def __init__(self, inner, paths: frozenset[str]) -> None:
            super().__init__()
            self.inner, self.paths = inner, paths

        def _retrieve(self, query_bundle):
            return [n for n in self.inner.retrieve(query_bundle) if n.node.metadata.get("path") in self.paths]

    return OnlyPaths


class _Pinned:
    def __init__(self, hybrid: HybridRetriever, snap: Snapshot, paths: frozenset[str] | None = None) -> None:
        self.hybrid, self.snap, self.paths = hybrid, snap, paths

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.hybrid.top_k
        fusion = self.hybrid._fusion_for(self.snap, k, self.paths)
        with self.hybrid.store.guard():
            results = fusion.retrieve(query)
        passages = []
        for i, nws in enumerate(results[:k], start=1):
            m = nws.node.metadata
            passages.append(Passage(i, nws.node.node_id, nws.node.get_content(), m["source"], m.get("text_path") or m["path"],
                                    m.get("heading", ""), int(m["start"]), int(m["end"]), float(nws.score or 0.0),
                                    m.get("page"), m.get("title", ""), origin_of(m)))
        return passages
