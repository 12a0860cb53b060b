"""The comparison point: a plain LlamaIndex script over the same article.

VectorStoreIndex over a Chroma collection, embeddings from the same bundled
all-MiniLM-L6-v2 loaded the usual way (HuggingFaceEmbedding, i.e.
sentence-transformers + torch), the library's default chunking, default
retriever (similarity_top_k=2) and, when an LLM is configured, its default
query engine. Offline it has no way to answer or refuse, so its "answer" is
its top passage cited as [1]: what a retrieval-only script shows its user.
"""

from __future__ import annotations

import time
from pathlib import Path

from rag.answer import Answer, Citation, Passage


class PlainLlamaIndex:
    """Plain LlamaIndex: SimpleDirectoryReader, default chunking, VectorStoreIndex over Chroma, the same
    all-MiniLM-L6-v2 via HuggingFaceEmbedding, default retriever (top 2); offline its answer is its top chunk."""

    name = "plain LlamaIndex"

    def __init__(self, seeds: list[Path], data_dir: Path, llm=None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from rag.ingestion.minilm import bundled_model_path

        self.sources = {p.name: p.read_text(encoding="utf-8") for p in seeds}
        client = chromadb.PersistentClient(path=str(data_dir), settings=ChromaSettings(anonymized_telemetry=False))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("baseline"))
        embed = HuggingFaceEmbedding(model_name=str(bundled_model_path()), device="cpu")
        docs = SimpleDirectoryReader(input_files=[str(p) for p in seeds]).load_data()
        self.index = VectorStoreIndex.from_documents(
            docs, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed)
        self.retriever = self.index.as_retriever()
        self.engine = self.index.as_query_engine(llm=llm) if llm is not None else None

    def _passages(self, nodes) -> list[Passage]:
        out = []
        for i, n in enumerate(nodes, start=1):
            name = Path(n.node.metadata.get("file_name", "")).name
            src = self.sources.get(name, "")
            text = n.node.get_content()
            start = n.node.start_char_idx if n.node.start_char_idx is not None else src.find(text)
            out.append(Passage(i, n.node.node_id, text, name, name, "", start, start + len(text), n.score or 0.0))
        return out

    def ask(self, question: str) -> Answer:
        t0 = time.perf_counter()
        if self.engine is not None:
            response = self.engine.query(question)
            passages = self._passages(response.source_nodes)
            text = str(response)
            citations = []
        else:
            passages = self._passages(self.retriever.retrieve(question))
            text = f"{passages[0].text} [1]" if passages else ""
            citations = [Citation.of(passages[0])] if passages else []
        total = (time.perf_counter() - t0) * 1e3
        return Answer(text, citations, refused=False, question=question, passages=passages,
                      answerer=self.name, timings_ms={"total": total})
