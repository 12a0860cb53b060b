"""Cut documents into sections (by heading) and sentence-aware, overlapping chunks.

llama-index's SentenceSplitter does the splitting; this module adds what it
lacks: the heading each chunk sits under (Markdown headings in .md files and in
text extracted from HTML and other formats; in plain text, also a short line
standing alone), a PDF chunk's page, and character offsets checked to be an
exact slice of the source text. Chunk ids hash the source path, offset and text,
so re-ingesting unchanged text yields the same ids.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rag.answer import origin_of
from rag.ingestion.documents import SourceDoc

MAX_HEADING_WORDS = 20
# Read as Markdown: .html and the office formats because their extracted text uses '#' headings
MARKDOWN_SUFFIXES = (".md", ".markdown", ".rst", ".html", ".htm", ".docx", ".pptx", ".xlsx", ".csv", ".epub", ".odt")
ROW_SUFFIXES = (".docx", ".pptx", ".xlsx", ".csv", ".odt")  # table rows are lines: cut at line ends first


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    source: str  # file name
    path: str  # absolute path of the file
    text_path: str  # the file whose text start/end index: the file itself, or its extracted text
    heading: str
    start: int
    end: int
    doc_hash: str
    page: int | None = None  # a PDF's page the chunk starts on
    title: str = ""  # the document's title (title_of): what every chunk of it is about
    origin: tuple = ()  # where its text came from: ("ocr", True) for a scan; a web page's url, outlet, published

    def metadata(self) -> dict:
        meta = {"source": self.source, "path": self.path, "text_path": self.text_path, "heading": self.heading,
                "start": self.start, "end": self.end, "doc_hash": self.doc_hash, "title": self.title,
                **dict(self.origin)}
        return meta if self.page is None else meta | {"page": self.page}


@dataclass(frozen=True)
class Section:
    heading: str
    start: int  # body start
    end: int


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    words = stripped.split()
    return (0 < len(words) <= MAX_HEADING_WORDS and stripped[-1] not in ".!;,\"”’)"
            and not stripped.endswith(":") and stripped[0].isupper())


def sections(text: str, markdown: bool = False) -> list[Section]:
    """Split text into (heading, body) sections. In plain text a heading is a short
    unpunctuated line standing alone between blank lines, or a '#' line; in Markdown
    (and text extracted from HTML) only Markdown headings count (see markdown_sections)."""
    if markdown:
        return markdown_sections(text)
    blocks = [(m.start(), m.end()) for m in re.finditer(r"\S[^\n]*(?:\n(?!\s*\n)[^\n]*)*", text)]
    out: list[Section] = []
    heading = ""
    body_start = None
    prev_end = 0
    for start, end in blocks:
        block = text[start:end]
        if "\n" not in block.strip() and _is_heading(block):
            if body_start is not None:
                out.append(Section(heading, body_start, prev_end))
                body_start = None
            heading = block.strip().lstrip("#").strip()
            continue
        if body_start is None:
            body_start = start
        prev_end = end
    if body_start is not None:
        out.append(Section(heading, body_start, prev_end))
    return out


ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
FENCE = re.compile(r" {0,3}(```|~~~)")


def markdown_sections(text: str) -> list[Section]:
    """Sections under Markdown headings: '#' lines (closing '#'s dropped) and
    underlined (setext) headings, wherever they stand, but never inside a fenced
    code block; a heading need not have blank lines around it."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]*\n?", text) if m.group()]
    headings: list[tuple[int, int, str]] = []  # (heading start, body start, heading text)
    fence = None
    i = 0
    while i < len(lines):
        at, line = lines[i]
        bare = line.rstrip("\n")
        opened = FENCE.match(bare)
        if fence:
            if opened and opened.group(1) == fence:
                fence = None
        elif opened:
            fence = opened.group(1)
        elif m := ATX.fullmatch(bare):
            headings.append((at, at + len(line), (m.group(2) or "").strip()))
        elif (bare.strip() and i + 1 < len(lines) and SETEXT.fullmatch(lines[i + 1][1].rstrip("\n"))
              and (i == 0 or not lines[i - 1][1].strip())):
            i += 1
            headings.append((at, lines[i][0] + len(lines[i][1]), bare.strip()))
        i += 1
    out: list[Section] = []
    bounds = [(0, 0, "")] + headings + [(len(text), len(text), "")]
    for (_, body_from, heading), (next_at, _, _) in zip(bounds, bounds[1:]):
        body = text[body_from:next_at]
        if body.strip():
            start = body_from + len(body) - len(body.lstrip())
            out.append(Section(heading, start, body_from + len(body.rstrip())))
    return out


@lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int, paragraph_separator: str = "\n\n\n"):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                            paragraph_separator=paragraph_separator)


def title_of(doc: SourceDoc) -> str:
    """The document's title: a web page's own (its metadata), else its first line when that is a
    heading ("# Heron 2.4 release notes", a short line standing alone), else its file name in
    words ("timetable-harbour-bus.csv" -> "timetable harbour bus"). It travels with every chunk,
    for retrieval and as context: "the rent" in section 3 of a lease is the rent of the flat its
    title names."""
    if doc.meta.get("title"):
        return doc.meta["title"]
    first = next((line.strip() for line in doc.text.splitlines() if line.strip()), "")
    if first.startswith("#") or (_is_heading(first) and len(first) <= 200):
        return first.lstrip("#").strip()
    return re.sub(r"[-_.]+", " ", doc.path.stem).strip()


def chunk_id(path: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{path}\0{start}\0{text}".encode("utf-8")).hexdigest()[:32]


def chunk(doc: SourceDoc, chunk_size: int = 200, chunk_overlap: int = 40) -> list[Chunk]:
    suffix = doc.path.suffix.lower()
    splitter = _splitter(chunk_size, chunk_overlap, *(["\n"] if suffix in ROW_SUFFIXES else []))
    digest = doc.digest
    title = title_of(doc)
    web = origin_of(doc.meta)  # a web page's url, outlet, author and date
    chunks: list[Chunk] = []
    for sec in sections(doc.text, markdown=suffix in MARKDOWN_SUFFIXES):
        body = doc.text[sec.start : sec.end]
        cursor = 0
        for piece in splitter.split_text(body):
            at = body.find(piece, cursor)
            if at < 0:  # the splitter changed whitespace: fall back to the span it covers
                head, tail = piece[:40], piece[-40:]
                at = body.find(head, cursor)
                stop = body.find(tail, max(at, 0))
                if at < 0 or stop < 0:
                    continue
                piece = body[at : stop + len(tail)]
            start = sec.start + at
            end = start + len(piece)
            assert doc.text[start:end] == piece
            path = str(doc.path)
            page = bisect_right(doc.pages, start) if doc.pages else None
            origin = web + ((("ocr", True),) if page is not None and page in doc.ocr_pages else ())
            chunks.append(Chunk(chunk_id(path, start, piece), piece, doc.name, path, str(doc.text_path or doc.path),
                                sec.heading, start, end, digest, page, title, origin))
            cursor = at + 1
    return chunks
