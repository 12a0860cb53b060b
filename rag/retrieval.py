"""Hybrid retrieval: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

All three pieces are llama-index's own (VectorIndexRetriever over
ChromaVectorStore, BM25Retriever, QueryFusionRetriever in reciprocal-rank mode
with a single query, so no LLM is asked to write query variants). This module
only wires them and turns the fused nodes into numbered Passages.
"""

from __future__ import annotations

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
        self._built_for = -1

    def _build(self):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = self.store.nodes()
        if not nodes:
            raise IndexNotBuilt(f"the index in {self.store.settings.data_dir} is empty; run `rag ingest PATH`")
        k = min(len(nodes), self.top_k * CANDIDATES_PER_RETRIEVER)
        index = VectorStoreIndex.from_vector_store(self.store.vector_store, embed_model=self._embed_model)
        dense = index.as_retriever(similarity_top_k=k)
        keyword = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=k)
        return QueryFusionRetriever(
            [dense, keyword], llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=self.top_k, num_queries=1, use_async=False,
        )

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        if top_k is not None and top_k != self.top_k:
            self.top_k, self._fusion = top_k, None
        count = self.store.count()
        if self._fusion is None or count != self._built_for:
            self._fusion, self._built_for = self._build(), count
        results = self._fusion.retrieve(query)
        passages = []
        for i, nws in enumerate(results[: self.top_k], start=1):
            m = nws.node.metadata
            passages.append(Passage(i, nws.node.node_id, nws.node.get_content(), m["source"], m["path"],
                                    m.get("heading", ""), int(m["start"]), int(m["end"]), float(nws.score or 0.0)))
        return passages
