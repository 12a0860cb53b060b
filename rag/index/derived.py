"""Indexes derived from every chunk: the BM25 keyword index and the answerer's corpus statistics.

Chroma keeps text and vectors only. The keyword index (llama-index's
BM25Retriever over bm25s) and CorpusStats are computed from all chunks, which
means reading every row and tokenizing it: seconds at tens of thousands of
chunks. They are built once per index content and, for an embedded index,
saved under DATA_DIR/derived/<chroma collection>/<fingerprint>/ (BM25Retriever.persist
plus one JSON file), so a new process loads them instead of rebuilding. Each
collection has its own folder: saving a copy drops the older copies beside it.

The fingerprint hashes the sorted chunk ids; ids hash path, offset and text,
so equal fingerprints mean equal content. A copy that is missing, damaged or
half-written is rebuilt, never trusted. In Chroma server mode nothing is
written locally (replicas stay stateless); each process builds once.

Within a process, `current()` checks the store's version (one count call) and
rebuilds or reloads only when it has changed. `ensure_saved()` (after an
ingest) builds and saves a copy only when none is saved for the content yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rag.index.store import Store, empty_collection

if TYPE_CHECKING:  # rag.index.corpus is imported only when statistics are built or loaded
    from rag.index.corpus import CorpusStats

STATS_FILE = "corpus_stats.json"
DONE_FILE = "complete"  # written last: a folder without it is half-written
LEGACY = re.compile(r"[0-9a-f]{24}")  # a copy's folder name, once directly under derived/ (no Chroma name is one)


@dataclass(frozen=True)
class Snapshot:
    """The derived indexes for one version of the index content."""

    version: tuple
    fingerprint: str
    bm25: object  # llama_index BM25Retriever; build views per top_k with keyword_retriever()
    stats: CorpusStats
    source: str  # "built" or "loaded"

    def keyword_retriever(self, top_k: int, paths: frozenset[str] | None = None):
        """A BM25 retriever returning top_k nodes, sharing this snapshot's index. With `paths`,
        only chunks of those files (metadata "path") score: llama-index's corpus weight mask
        zeroes the others, so the top_k are the best of those files."""
        from llama_index.retrievers.bm25 import BM25Retriever

        mask = None
        if paths is not None:
            mask = [int(c.get("path") in paths) for c in self.bm25.bm25.corpus]
        return BM25Retriever(existing_bm25=self.bm25.bm25, similarity_top_k=top_k, corpus_weight_mask=mask)


FORMAT = "2"  # bump when what is derived changes (e.g. how words are stemmed): old copies are rebuilt


def fingerprint(ids) -> str:
    h = hashlib.sha256(FORMAT.encode())
    for i in sorted(ids):
        h.update(i.encode("ascii", "replace") + b"\n")
    return h.hexdigest()[:24]


class Derived:
    def __init__(self, store: Store) -> None:
        self.store = store
        settings = store.settings
        self.root = None if settings.chroma_url else Path(settings.data_dir) / "derived" / settings.chroma_collection
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()

    def current(self) -> Snapshot:
        """The snapshot for the index as it is now (one version check when nothing changed)."""
        with self._lock:
            version = self.store.version
            if self._snap is None or self._snap.version != version:
                self._snap = self._make(version)
            return self._snap

    def ensure_saved(self) -> str:
        """After an ingest: make sure a copy for the index's content is saved, building it only
        when there is none ("saved", "built", or "" for an empty index or a Chroma server)."""
        if self.root is None or self.store.count() == 0:
            return ""
        if (self.root / fingerprint(self.store.ids()) / DONE_FILE).is_file():
            return "saved"
        return self.current().source

    def _make(self, version: tuple) -> Snapshot:
        if version[0] == 0:
            raise empty_collection(self.store)
        fp = fingerprint(self.store.ids()) if self.root or self._snap else ""
        if self._snap is not None and self._snap.fingerprint == fp:
            return replace(self._snap, version=version)
        loaded = self._load(fp) if self.root else None
        if loaded is not None:
            return Snapshot(version, fp, *loaded, source="loaded")
        nodes = self.store.nodes()
        if not nodes:
            raise empty_collection(self.store)
        fp = fingerprint(n.node_id for n in nodes)  # what was read, even if the index moved on meanwhile
        bm25, stats = build(nodes)
        if self.root:
            self._save(fp, bm25, stats)
        return Snapshot(version, fp, bm25, stats, source="built")

    def _load(self, fp: str):
        from llama_index.retrievers.bm25 import BM25Retriever

        from rag.index.corpus import CorpusStats

        folder = self.root / fp
        if not (folder / DONE_FILE).is_file():
            # a folder gets its name only once complete, so this one was damaged: make way for a new copy
            shutil.rmtree(folder, ignore_errors=True)
            return None
        try:
            bm25 = BM25Retriever.from_persist_dir(str(folder), show_progress=False)
            stats = CorpusStats.from_dict(json.loads((folder / STATS_FILE).read_text(encoding="utf-8")))
        except Exception:  # damaged copy (any of bm25s' or json's errors): rebuild it
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return bm25, stats

    def _save(self, fp: str, bm25, stats: CorpusStats) -> None:
        """Write to a temporary folder, then rename it into place; drop copies of older content.

        Best effort: the cache is an optimisation, so a full disk or a read-only
        data folder costs only the rebuild on the next start.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
            # raise_on_serialization_error: never save a corpus that would be misaligned with its index
            bm25.persist(str(tmp), show_progress=False, raise_on_serialization_error=True)
            (tmp / STATS_FILE).write_text(json.dumps(stats.to_dict()), encoding="utf-8")
            (tmp / DONE_FILE).write_text(fp, encoding="utf-8")
            try:
                os.rename(tmp, self.root / fp)
            except OSError:  # another process saved the same content first
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self.root.iterdir():
                # another process may be writing its own .tmp- folder now; only old ones are leftovers
                leftover = not old.name.startswith(".tmp-") or time.time() - old.stat().st_mtime > 3600
                if old.name != fp and leftover:
                    shutil.rmtree(old, ignore_errors=True)
            for old in self.root.parent.iterdir():  # copies saved before collections, in derived/ itself
                if LEGACY.fullmatch(old.name):
                    shutil.rmtree(old, ignore_errors=True)
        except Exception:  # OSError, or bm25s failing to write: the next start rebuilds
            pass


def build(nodes: list):
    """BM25 over the nodes (llama-index's retriever, its default English stemmer and
    stopwords) and the corpus statistics of their texts."""
    from llama_index.retrievers.bm25 import BM25Retriever

    from rag.index.corpus import CorpusStats

    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=1)
    # Keep the node records inside the bm25s object too, as loading a persisted copy
    # does, so views made with existing_bm25 (per top_k) find them either way.
    bm25.bm25.corpus = bm25.corpus
    # the statistics read each chunk with its title and heading: a name only a title gives
    # ("Find Harbour Dental Practice") is a name the documents mention
    return bm25, CorpusStats([" \n".join(x for x in (n.metadata.get("title", ""), n.metadata.get("heading", ""),
                                                     n.get_content()) if x) for n in nodes])
