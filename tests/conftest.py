"""Shared fixtures: isolation, a network kill-switch and deterministic fakes.

Every test gets its own data folder and a clean environment (no API keys, no
LLM URL). Sockets may only connect to loopback, so no test can reach outside
this machine.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from pathlib import Path

import numpy as np
import pytest

from eval.benchmarks.pdf_samples import make_pdf, make_scan_pdf, make_table_pdf  # noqa: F401 (the tests' PDFs)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "putin-xi-beijing.txt"

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only


@pytest.fixture(autouse=True)
def rule_switched_off(monkeypatch):
    """RULE_OFF=name (set by tests/test_rules.py for a child pytest) switches that guard rule
    family off by default, to show that the test named for it fails without it."""
    import os

    from rag.guard.rules import GuardRules

    off = os.environ.get("RULE_OFF")
    if off:
        monkeypatch.setattr(GuardRules.__init__, "__defaults__",
                            tuple(name != off for name in GuardRules.names()))
    yield


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "RAG_LLM_API_KEY",
                 "RAG_ANSWERER", "RAG_TOP_K", "RAG_EMBEDDINGS", "RAG_SEEDS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield


class FakeEmbedder:
    """Bag of hashed, stemmed words: similar wording gives similar vectors, deterministically."""

    name = "fake"
    dim = 256

    def embed(self, texts):
        from rag.text import content_terms

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for term in content_terms(t):
                out[i, int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


class ListRetriever:
    """Returns fixed passages; records the queries it was asked."""

    def __init__(self, passages):
        self.passages = passages
        self.queries = []

    def retrieve(self, query, top_k=None):
        self.queries.append(query)
        return self.passages[: top_k or len(self.passages)]


class ScriptedAnswerer:
    """Replies with queued drafts, in order (like llm's MockModel.enqueue)."""

    name = "scripted"

    def __init__(self, *drafts):
        from rag.answer import Draft

        self.queue = [d if isinstance(d, Draft) else Draft(d) for d in drafts]
        self.history = []

    def draft(self, question, passages):
        self.history.append(question)
        return self.queue.pop(0)


def make_passages(text: str, source: str = "doc.txt"):
    """Number each paragraph of `text` as a Passage with exact offsets."""
    import re

    from rag.answer import Passage

    out = []
    for i, m in enumerate(re.finditer(r"[^\n]+", text), start=1):
        out.append(Passage(i, f"p{i}", m.group(), source, f"/x/{source}", "", m.start(), m.end(), 1.0))
    return out


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


def seed_and(folder, texts: dict[str, str]):
    """A folder of documents: the seed article as article.txt, and `texts` (file name -> text)."""
    folder.mkdir(parents=True)
    for name, text in {"article.txt": SEED.read_text(encoding="utf-8"), **texts}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def free_closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
