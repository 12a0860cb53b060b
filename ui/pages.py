"""The original page of a PDF citation, in the evidence panel: the page drawn as an image by
PDFium (pypdfium2, whose wheel carries it: nothing is fetched at run time), with the cited
sentence marked where it sits on the page (the word boxes saved at ingest, rag.ingestion.layout).

The mark is placed in percentages of the page, so it stays on its words at any panel width. A
passage that cannot be placed with confidence leaves the page unmarked, with a note saying so.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from html import escape
from pathlib import Path

from rag.ingestion.layout import Layout

SCALE = 1.5  # pixels per point: 108 dpi, sharp enough to read in the panel
QUALITY = 80  # JPEG quality of the page image


@lru_cache(maxsize=16)
def _page_image(pdf: str, mtime: float, page: int) -> str:
    """Page `page` (1-based) of the PDF as a data: URL (JPEG)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[page - 1].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def page_image(pdf: str, page: int) -> str | None:
    try:
        return _page_image(pdf, Path(pdf).stat().st_mtime, page)
    except Exception:  # a PDF moved, changed or unreadable since it was indexed: no page view
        return None


def _percent(box, size) -> str:
    x0, top, x1, bottom = box
    width, height = size
    return (f"left:{100 * x0 / width:.3f}%;top:{100 * top / height:.3f}%;"
            f"width:{100 * (x1 - x0) / width:.3f}%;height:{100 * (bottom - top) / height:.3f}%")


@lru_cache(maxsize=16)
def _layout(text_path: str, mtime: float) -> Layout | None:
    return Layout.load(text_path)


def layout_of(text_path: str) -> Layout | None:
    """The layout saved beside an extracted text, read once per version of it (the panel is
    drawn again on every chip click and option change)."""
    try:
        return _layout(text_path, Layout.path_for(text_path).stat().st_mtime)
    except OSError:  # not a PDF, or indexed before layouts were saved
        return None


def page_view(citation, doc_text: str, spans: list[tuple[int, int]]) -> str:
    """The citation's page with `spans` (offsets in the extracted text: the cited sentences)
    marked, or "" when the citation is not from a PDF with a saved layout."""
    layout = layout_of(citation.path) if citation.path else None
    if layout is None:
        return ""
    located = [layout.locate(doc_text, s, e) for s, e in spans or [(citation.start, citation.end)]]
    placed = [x for x in located if x is not None]
    page = placed[0].page if placed else (citation.page or layout.page_of(citation.start))
    if page is None or not 1 <= page <= len(layout.sizes):
        return ""
    image = page_image(layout.pdf, page)
    if image is None:
        return ""
    size = layout.sizes[page - 1]
    marks = "".join(f'<div class="pdf-mark" style="{_percent(box, size)}"></div>'
                    for x in placed if x.page == page for box in x.boxes)
    scan = " (a scanned page, read by OCR)" if page in layout.ocr_pages else ""
    note = "" if marks else '<div class="rag-note">The passage could not be placed on the page with confidence, so nothing is marked.</div>'
    name = escape(Path(layout.pdf).name)
    return (f'<div class="ev-context-title">[{citation.number}] on page {page} of {name}{scan}</div>{note}'
            f'<div class="pdf-view" data-page="{page}"><div class="pdf-page" data-width="{size[0]:.2f}" '
            f'data-height="{size[1]:.2f}"><img src="{image}" alt="page {page} of {name}">{marks}</div></div>')
