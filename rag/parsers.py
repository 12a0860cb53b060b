"""Text out of HTML and PDF files, with well-kept parsers (BeautifulSoup, pypdf).

The result is plain text whose headings stand on lines of their own, so the
chunker finds sections as in a .txt file. Offsets of citations into such
documents refer to this extracted text, which ingestion saves beside the index
(Citation.path names that file).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import BadInput

BLOCKS = ("p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "figcaption", "caption")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
DROP = ("script", "style", "noscript", "nav", "header", "footer", "form", "svg", "button")


def _tidy(text: str) -> str:
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def html_text(raw: bytes, name: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(DROP):
        tag.decompose()
    root = soup.body or soup
    parts: list[str] = []
    for el in root.find_all(HEADINGS + BLOCKS):
        if el.find_parent(BLOCKS + HEADINGS):  # nested inside a block already taken
            continue
        text = _tidy(el.get_text(" "))
        if not text:
            continue
        if el.name in HEADINGS:
            text = "# " + text.rstrip(".:")  # a heading line, as in Markdown
        parts.append(text)
    if not parts:  # no block structure: fall back to the page's text
        parts = [t for t in (_tidy(x) for x in root.get_text("\n").split("\n")) if t]
    text = "\n\n".join(parts)
    if not text.strip():
        raise BadInput(f"{name} has no text")
    return text + "\n"


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise BadInput(f"{path.name} is not a readable PDF ({type(exc).__name__})") from None
    paragraphs = []
    for page in pages:
        for block in re.split(r"\n\s*\n", page):
            text = _tidy(block.replace("-\n", "").replace("\n", " "))
            if text:
                paragraphs.append(text)
    if not paragraphs:
        raise BadInput(f"{path.name} has no extractable text (a scanned PDF needs OCR first)")
    return "\n\n".join(paragraphs) + "\n"
