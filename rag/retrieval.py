"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

All three pieces are llama-index's own (VectorIndexRetriever over
ChromaVectorStore, BM25Retriever, QueryFusionRetriever in reciprocal-rank mode
with a single query, so no LLM is asked to write query variants). This module
only wires them and turns the fused nodes into numbered Passages.
"""

from __future__ import annotations

import threading

from .answer import Passage
from .embedding import as_llama_embedding
from .errors import IndexNotBuilt
from .store import Store

CANDIDATES_PER_RETRIEVER = 3  # each retriever proposes top_k * this before fusion


class HybridRetriever:
    def __init__(self, store: Store, top_k: int = 4) -> None:
        self.store = store
        self.top_k = top_k
        self._embed_model = as_llama_embedding(store.embedder)
        self._fusion = None
        self._built_for = None
        self._lock = threading.Lock()

    def _build(self, top_k: int):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = self.store.nodes()
        if not nodes:
            raise IndexNotBuilt(f"the index in {self.store.settings.data_dir} is empty; run `rag ingest PATH`")
        k = min(len(nodes), top_k * CANDIDATES_PER_RETRIEVER)
        index = VectorStoreIndex.from_vector_store(self.store.vector_store, embed_model=self._embed_model)
        dense = index.as_retriever(similarity_top_k=k)
        keyword = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=k)
        return QueryFusionRetriever(
            [dense, keyword], llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=top_k, num_queries=1, use_async=False,
        )

    def _fusion_for(self, top_k: int):
        """The fused retriever for this top_k, rebuilt when the index has changed."""
        with self._lock:
            version = (self.store.version, top_k)
            if self._fusion is None or version != self._built_for:
                self._fusion, self._built_for = self._build(top_k), version
            return self._fusion

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.top_k
        fusion = self._fusion_for(k)
        with self.store.guard():
            results = fusion.retrieve(query)
        passages = []
        for i, nws in enumerate(results[:k], start=1):
            m = nws.node.metadata
            passages.append(Passage(i, nws.node.node_id, nws.node.get_content(), m["source"], m.get("text_path") or m["path"],
                                    m.get("heading", ""), int(m["start"]), int(m["end"]), float(nws.score or 0.0)))
        return passages
