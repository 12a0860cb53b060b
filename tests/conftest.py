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


def make_pdf(path, lines, size: int = 11, more_pages=()):
    """A PDF with `lines` of Helvetica text on its first page, one per line, and each list in
    `more_pages` on a page of its own (pypdf only, no fonts needed)."""
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for page_lines in [lines, *more_pages]:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font})})
        stream = DecodedStreamObject()
        stream.set_data((f"BT /F1 {size} Tf {size + 3} TL 72 700 Td "
                         + " ".join(f"({x}) Tj T*" for x in page_lines) + " ET").encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def make_table_pdf(path, intro: list[str], header: list[str], rows: list[list[str]], widths=None):
    """A one-page PDF: `intro` lines, then a ruled table (header row first), as a report's table
    is drawn: each cell's text in its box, the grid in lines (pypdf only)."""
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    widths = widths or [150] * len(header)
    ops = ["BT /F1 11 Tf 14 TL 72 720 Td " + " ".join(f"({x}) Tj T*" for x in intro) + " ET"]
    top, height = 690 - 14 * len(intro), 20
    table = [header, *rows]
    right = 72 + sum(widths)
    for i, row in enumerate(table):
        y = top - i * height
        x = 72
        for cell, w in zip(row, widths):
            ops.append(f"BT /F1 10 Tf {x + 4} {y - 14} Td ({cell}) Tj ET")
            x += w
    for i in range(len(table) + 1):  # horizontal rules
        y = top - i * height
        ops.append(f"72 {y} m {right} {y} l S")
    x = 72
    for w in [0, *widths]:  # vertical rules
        x += w
        ops.append(f"{x} {top} m {x} {top - len(table) * height} l S")
    writer = pypdf.PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def make_scan_pdf(path, source_pdf, scale: float = 2.0):
    """A scanned copy of `source_pdf`: each page rendered to an image, the images saved as a PDF
    with no text layer (as a scanner writes one)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(source_pdf))
    images = [doc[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(doc))]
    doc.close()
    images[0].save(str(path), "PDF", save_all=True, append_images=images[1:], resolution=72 * scale)
    return path


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
