"""The Chroma-backed chunk index: open it, sync documents into it, list its nodes.

Sync is idempotent and keyed by content hashes: unchanged chunks are skipped,
a changed file's new chunks are added before its stale ones are deleted (a kill
half-way leaves extra chunks that the next sync removes, never a hole), and
files that no longer exist lose their chunks. A file whose every chunk carries
its current text hash and whose chunk count is complete is not even re-chunked,
so re-ingesting unchanged files loads no tokenizer and no model.

Nothing heavy happens on opening: the llama-index vector store is made on the
first write or query, and `open_store` gives the store a `LazyEmbedder` that
builds the embedding model only when something needs embedding.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rag.answer import ORIGIN_KEYS
from rag.errors import BackendUnavailable, BadInput, IndexNotBuilt, RagError
from rag.ingestion.chunking import Chunk, chunk
from rag.ingestion.documents import SourceDoc
from rag.ingestion.embedding import Embedder
from rag.settings import DEFAULT_COLLECTION, Settings, collection_of

EMBED_BATCH = 64
PAGE = 5000  # rows per read: one get() of every row fails in Chroma at about 50,000 chunks
# Metadata the embedding and the LLM do not see (the heading stays visible).
HIDDEN_KEYS = ["source", "path", "text_path", "start", "end", "doc_hash", "doc_chunks", "page", *ORIGIN_KEYS]


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.files)} file(s): {self.added} chunk(s) added, "
                f"{self.removed} removed, {self.unchanged} unchanged")


class LazyEmbedder:
    """The configured embedder, built on the first embed(): `rag sources`, `rag remove` and an
    ingest of unchanged files need only its name (which the index records), never the model."""

    def __init__(self, settings: Settings) -> None:
        from rag.ingestion.embedding import LocalEmbedder

        self.settings = settings
        self.name = (f"openai:{settings.openai_embed_model}" if settings.embeddings == "openai"
                     else LocalEmbedder.name)
        self._real: Embedder | None = None

    @property
    def real(self) -> Embedder:
        if self._real is None:
            from rag.ingestion.embedding import make_embedder

            self._real = make_embedder(self.settings)
        return self._real

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def embed(self, texts: list[str]):
        return self.real.embed(texts)

    def warm_up(self) -> None:
        """Load the local model, so that timing the embedding measures the embedding, not the
        loading (OpenAI: nothing to load)."""
        if self.settings.embeddings != "local":
            return
        getattr(self.real, "inner", self.real).load()


def open_store(settings: Settings, *, create: bool = False) -> "Store":
    """The index for these settings, opened once, without loading the embedding model.
    `create`: make the collection when it does not exist yet (ingest); otherwise a collection
    other than "default" that does not exist is BadInput."""
    return Store(settings, LazyEmbedder(settings), create=create)


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if settings.chroma_url:  # server mode: the app keeps no index state of its own
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        try:
            client = chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                         ssl=url.scheme == "https", settings=ChromaSettings(anonymized_telemetry=False))
            client.heartbeat()
            return client
        except Exception:
            raise BackendUnavailable(f"cannot reach the Chroma server at {settings.chroma_url}") from None
    path = Path(settings.data_dir) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # chromadb raises many types for a damaged folder
        raise IndexNotBuilt(
            f"cannot open the index in {path} ({type(exc).__name__}: {exc}); "
            f"delete that folder and run `rag ingest` to rebuild it"
        ) from None


def unavailable(settings: Settings, exc: Exception) -> BackendUnavailable:
    """The one-line error for a store call that failed (server down, damaged folder)."""
    if settings.chroma_url:
        return BackendUnavailable(f"the Chroma server at {settings.chroma_url} is not answering "
                                  f"({type(exc).__name__}); it is retried on the next request")
    return BackendUnavailable(f"the index in {settings.index_location} could not be read ({type(exc).__name__}); "
                              f"if this persists, delete that folder and run `rag ingest` to rebuild it")


@contextmanager
def guarded(settings: Settings):
    """Store calls inside raise RagErrors as they are and anything else as BackendUnavailable."""
    try:
        yield
    except RagError:
        raise
    except Exception as exc:
        raise unavailable(settings, exc) from None


class NoCollection(BadInput):
    """A collection that does not exist was asked for (ingest makes one)."""


def no_collection(name: str) -> NoCollection:
    return NoCollection(f"no collection {name}; `rag collections` lists them")


def empty_collection(store: "Store") -> IndexNotBuilt:
    """The error for a collection that holds no documents, naming the command that fills it."""
    name = store.settings.collection
    if name != DEFAULT_COLLECTION:
        return IndexNotBuilt(f"collection {name} is empty; run `rag ingest --collection {name} PATH`")
    return IndexNotBuilt(f"the index in {store.location} is empty; run `rag ingest PATH`")


def _exists(settings: Settings, client) -> bool:
    """Is there a Chroma collection for settings.collection?"""
    from chromadb.errors import NotFoundError

    try:
        client.get_collection(settings.chroma_collection)
    except NotFoundError:
        return False
    except Exception as exc:
        raise unavailable(settings, exc) from None
    return True


class Store:
    def __init__(self, settings: Settings, embedder: Embedder, client=None, *, create: bool = False) -> None:
        """The chunks of `settings.collection` (Chroma collection settings.chroma_collection).
        "default" is made on first use, as it always was; any other collection must exist
        unless `create` (an ingest into it), else BadInput."""
        self.settings = settings
        self.embedder = embedder
        self.client = client if client is not None else _client(settings)
        name, chroma = settings.collection, settings.chroma_collection
        if not create and name != DEFAULT_COLLECTION and not _exists(settings, self.client):
            raise no_collection(name)
        try:
            self.collection = self.client.get_or_create_collection(
                chroma, metadata={"hnsw:space": "cosine", "embedder": embedder.name}
            )
        except Exception as exc:
            raise BackendUnavailable(f"cannot open collection {chroma!r}: {exc}") from None
        built_with = (self.collection.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise IndexNotBuilt(
                f"the index in {settings.index_location} was built with {built_with} embeddings, "
                f"not {embedder.name}; use another RAG_DATA_DIR or delete it and re-ingest"
            )
        self._vector_store = None
        self._writes = 0  # bumped by every write from this process

    @property
    def vector_store(self):
        """llama-index's view of the collection, made on first use (importing it takes seconds)."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    @property
    def location(self) -> str:
        """Where the index is: the data folder (absolute) or the Chroma server."""
        return self.settings.index_location

    def unavailable(self, exc: Exception) -> BackendUnavailable:
        """The one-line error for a store call that failed (server down, damaged folder)."""
        return unavailable(self.settings, exc)

    def guard(self):
        return guarded(self.settings)

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever the indexed content may have changed (count, or a write here)."""
        return (self.count(), self._writes)

    def _pages(self, include: list[str]):
        """Every row of the collection, PAGE rows per request."""
        return _pages(self.collection, include, self.guard)

    def count(self) -> int:
        with self.guard():
            return self.collection.count()

    def _ids_for(self, path: str) -> set[str]:
        with self.guard():
            return set(self.collection.get(where={"path": path}, include=[])["ids"])

    def sources(self) -> dict[str, int]:
        """Indexed file paths and their chunk counts."""
        return _sources(self._pages(["metadatas"]))

    def has(self, path: str) -> bool:
        """Does the collection hold chunks of this file (its path as indexed)?"""
        with self.guard():
            return bool(self.collection.get(where={"path": str(path)}, limit=1, include=[])["ids"])

    def _rows_for(self, path: str) -> dict[str, dict]:
        """The ids of a file's chunks and their metadata."""
        with self.guard():
            rows = self.collection.get(where={"path": path}, include=["metadatas"])
        return dict(zip(rows["ids"], rows["metadatas"]))

    @staticmethod
    def _complete(doc: SourceDoc, rows: dict[str, dict]) -> bool:
        """Every chunk of the file is in, made from its current text: nothing to chunk or embed.
        A kill half-way through adding a file leaves fewer chunks than doc_chunks; a changed
        file leaves chunks with another doc_hash. Either way the file is chunked again."""
        if not rows:
            return False
        digest, text_path = doc.digest, str(doc.text_path or doc.path)
        return all(m.get("doc_hash") == digest and m.get("doc_chunks") == len(rows)
                   and m.get("text_path") == text_path and "title" in m for m in rows.values())  # (no title: indexed
        # before titles travelled with chunks; chunked again, its chunks' metadata get the title)

    def _to_node(self, c: Chunk, vector: list[float], doc_chunks: int):
        from llama_index.core.schema import TextNode

        return TextNode(id_=c.id, text=c.text, metadata=c.metadata() | {"doc_chunks": doc_chunks}, embedding=vector,
                        excluded_embed_metadata_keys=HIDDEN_KEYS,
                        excluded_llm_metadata_keys=HIDDEN_KEYS)

    @staticmethod
    def embed_text(c: Chunk) -> str:
        context = " › ".join(dict.fromkeys(x for x in (c.title, c.heading) if x))
        return f"{context}\n{c.text}" if context else c.text

    def sync(self, docs: list[SourceDoc], progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Bring the index in line with docs. `progress(done, total)` is called with done=0 once
        the model is loaded and embedding starts, then after every batch."""
        report = SyncReport(files=[str(d.path) for d in docs])
        plan: list[tuple[list[Chunk], set[str]]] = []
        doc_chunks: dict[str, int] = {}  # chunk id -> chunks in its file, recorded with each chunk
        for doc in docs:
            rows = self._rows_for(str(doc.path))
            if self._complete(doc, rows):
                report.unchanged += len(rows)
                continue
            chunks = chunk(doc, self.settings.chunk_size, self.settings.chunk_overlap)
            fresh = [c for c in chunks if c.id not in rows]
            stale = set(rows) - {c.id for c in chunks}
            report.unchanged += len(chunks) - len(fresh)
            doc_chunks.update((c.id, len(chunks)) for c in chunks)
            mark = {"doc_hash": doc.digest, "doc_chunks": len(chunks), "title": chunks[0].title if chunks else ""}
            kept = [c.id for c in chunks if c.id in rows and any(rows[c.id].get(k) != v for k, v in mark.items())]
            if kept:  # unchanged chunks of a changed file: record the file's new hash and size
                with self.guard():
                    self.collection.update(ids=kept, metadatas=[mark] * len(kept))
            plan.append((fresh, stale))
        # Batches span documents, so many small files still embed in full batches.
        fresh = [c for f, _ in plan for c in f]
        if fresh:  # set-up (model, llama-index) before the clock starts: the rate shown is the embedding's
            warm_up = getattr(self.embedder, "warm_up", None)
            if warm_up:
                warm_up()
            self.vector_store  # noqa: B018 (made on first use; importing it takes seconds)
            if progress:
                progress(0, len(fresh))
        for lo in range(0, len(fresh), EMBED_BATCH):
            batch = fresh[lo : lo + EMBED_BATCH]
            vectors = self.embedder.embed([self.embed_text(c) for c in batch]).tolist()
            with self.guard():
                self.vector_store.add([self._to_node(c, v, doc_chunks[c.id]) for c, v in zip(batch, vectors)])
            self._writes += 1
            report.added += len(batch)
            if progress:
                progress(report.added, len(fresh))
        # Stale chunks go only after every new one is in: a kill before this point
        # leaves extra chunks for the next sync to remove, never missing ones.
        for _, stale in plan:
            if stale:
                with self.guard():
                    self.collection.delete(ids=sorted(stale))
                self._writes += 1
                report.removed += len(stale)
        return report

    def prune(self, keep: Callable[[str], bool] = lambda p: Path(p).exists()) -> int:
        """Delete the chunks of files that `keep` rejects (by default: files gone from disk)."""
        gone = [p for p in self.sources() if not keep(p)]
        removed = 0
        for path in gone:
            ids = sorted(self._ids_for(path))
            self.collection.delete(ids=ids)
            self._writes += 1
            removed += len(ids)
        return removed

    def count_of(self, path: str) -> int:
        """How many chunks of this file (absolute path) the index holds."""
        return len(self._ids_for(str(path)))

    def remove(self, path: str) -> int:
        ids = sorted(self._ids_for(str(path)))
        if ids:
            self.collection.delete(ids=ids)
            self._writes += 1
        return len(ids)

    def ids(self) -> list[str]:
        return [i for page in self._pages([]) for i in page["ids"]]

    def nodes(self) -> list:
        """Every indexed node, read page by page (rag.index.derived builds the keyword index from them)."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        return [metadata_dict_to_node(meta, text=text) for page in self._pages(["documents", "metadatas"])
                for text, meta in zip(page["documents"], page["metadatas"])]


def _pages(collection, include: list[str], guard):
    """Every row of a Chroma collection, PAGE rows per request."""
    offset = 0
    while True:
        with guard():
            page = collection.get(include=include, limit=PAGE, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])
        if len(page["ids"]) < PAGE:
            return


def _sources(pages) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        for meta in page["metadatas"]:
            counts[meta["path"]] = counts.get(meta["path"], 0) + 1
    return counts


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    documents: int
    chunks: int


def list_collections(settings: Settings, client=None, counts: bool = True) -> list[CollectionInfo]:
    """Every collection in the index, "default" first (listed even before it is made), then by
    name; with `counts`, how many documents and chunks each holds (reading every row's metadata).
    Chroma collections that are not this program's are left out."""
    client = client if client is not None else _client(settings)
    found: dict[str, object] = {}
    with guarded(settings):
        for c in client.list_collections():
            name = collection_of(c.name)
            if name is not None:
                found[name] = c
    out = []
    for name in [DEFAULT_COLLECTION, *sorted(n for n in found if n != DEFAULT_COLLECTION)]:
        c = found.get(name)
        if c is None or not counts:
            out.append(CollectionInfo(name, 0, 0))
            continue
        with guarded(settings):
            chunks = c.count()
        out.append(CollectionInfo(name, len(_sources(_pages(c, ["metadatas"], lambda: guarded(settings)))), chunks))
    return out


def delete_collection(settings: Settings, client=None) -> int:
    """Delete `settings.collection`: its Chroma collection and its saved derived indexes. Returns
    how many chunks it held. "default" is emptied the same way (it is made again, empty, on next
    use). BadInput when there is no such collection. (The files uploaded to it in the window are
    the caller's: rag.cli removes them.)"""
    import shutil

    from rag.settings import collection_name

    name = collection_name(settings.collection)
    client = client if client is not None else _client(settings)
    if not _exists(settings, client):
        if name == DEFAULT_COLLECTION:
            return 0
        raise no_collection(name)
    with guarded(settings):
        chunks = client.get_collection(settings.chroma_collection).count()
        client.delete_collection(settings.chroma_collection)
    shutil.rmtree(Path(settings.data_dir) / "derived" / settings.chroma_collection, ignore_errors=True)
    return chunks
