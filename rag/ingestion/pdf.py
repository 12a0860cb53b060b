"""Text out of PDF files, with where each word sits on its page (pdfplumber), tables read as rows
with their headers, and scanned pages read by OCR (RapidOCR, whose wheel ships its ONNX models).

The text reads like the page: a word hyphenated at a line end is joined, soft line breaks are
reflowed into paragraphs (a paragraph that runs on to the next page is joined), and where each
page starts in it is kept (citations name their page). A table is one paragraph, a line per row
written with its column headers ("Item: Dredging | Budget: 4.2 million"), as the office formats
write theirs, so a row's value keeps its column.

Beside the text, its layout (rag.ingestion.layout.Layout): for each word, its offsets in the text
and its box on the page, so that the window can mark a cited sentence on the page itself. Words
are matched to the reflowed text character by character (spaces aside); a stretch of text that
matches no word is left unplaced, and the window leaves such a passage unmarked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import BadInput
from rag.ingestion.layout import Layout
from rag.text import one_line

LINE_TOLERANCE = 3.0  # points: words whose tops differ by less are on one line
OCR_SCALE = 2.0  # pixels per point for OCR (144 dpi); RapidOCR scales larger images down to 2000 px anyway
MIN_OCR_SCORE = 0.5  # OCR lines read with less confidence are dropped


@dataclass
class Word:
    text: str
    page: int  # 1-based
    box: tuple[float, float, float, float]  # x0, top, x1, bottom in points from the page's top left


def reflow(lines: list[str]) -> list[str]:
    """One page's lines as paragraphs: a word hyphenated at a line end is joined, other line
    breaks inside a paragraph become spaces. A paragraph ends at a blank line, after a short
    line (the last line of a paragraph, or a heading), or before a bullet."""
    lines = [one_line(x) for x in lines]
    lengths = sorted(len(x) for x in lines if x)
    width = lengths[int(len(lengths) * 0.75)] if lengths else 0
    paragraphs: list[str] = []
    current = prev = ""
    for line in lines:
        if not line:
            paragraphs.append(current)
            current = prev = ""
            continue
        if not current:
            current = line
        elif re.search(r"[^\W\d_]-$", current) and line[0].islower():
            current = current[:-1] + line  # "exam-" + "ple"
        elif (len(prev) < 0.6 * width or re.match(r"[•▪◦*–-]\s|\d+[.)]\s", line)
              or (prev[-1] in ".!?:" and len(prev) < 0.85 * width and not line[0].islower())):
            paragraphs.append(current)
            current = line
        else:
            current += " " + line
        prev = line
    paragraphs.append(current)
    return [p for p in paragraphs if p]


def join_pages(pages: list[list[str]], marks: list[tuple[int, int]] | None = None) -> list[str]:
    """Paragraphs of all pages; one that runs on to the next page is joined. `marks`, when
    given, receives where each page's text starts: (paragraph index, offset in that paragraph)."""
    out: list[str] = []
    for paragraphs in pages:
        mark = (len(out), 0)  # an empty page starts where the next one does
        for i, para in enumerate(paragraphs):
            if i == 0 and out and para[0].islower() and "\n" not in out[-1]:  # never into a table
                if re.search(r"[^\W\d_]-$", out[-1]):
                    mark = (len(out) - 1, len(out[-1]) - 1)
                    out[-1] = out[-1][:-1] + para
                    continue
                if out[-1][-1] not in ".!?:":
                    mark = (len(out) - 1, len(out[-1]) + 1)
                    out[-1] += " " + para
                    continue
            out.append(para)
        if marks is not None:
            marks.append(mark)
    return out


def _lines_of(words: list[Word]) -> list[list[Word]]:
    """Words in reading order grouped into lines (a new line where the top moves)."""
    lines: list[list[Word]] = []
    for w in words:
        if lines and abs(w.box[1] - lines[-1][0].box[1]) < LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def _table_rows(table, page: int) -> list[Word]:
    """A table's rows as the office formats write theirs (rag.ingestion.office.table_rows:
    "Header: value | Header: value"), each line placed where its row is."""
    from rag.ingestion.office import table_rows

    boxes = [tuple(row.bbox) for row in table.rows]
    return [Word(line, page, boxes[i] if i is not None and i < len(boxes) else tuple(table.bbox))
            for i, line in table_rows(table.extract())]


def _page_blocks(page, number: int, ocr) -> tuple[list, bool]:
    """The page's content in reading order: ("text", [lines of Words]) and ("table", [row Words])
    blocks, and whether it was read by OCR (a page with no text layer)."""
    tables = page.find_tables()
    inside = [t.bbox for t in tables]

    def outside(obj) -> bool:
        return not any(x0 <= obj["x0"] and obj["x1"] <= x1 and top <= obj["top"] and obj["bottom"] <= bottom
                       for x0, top, x1, bottom in inside)

    words = [Word(w["text"], number, (w["x0"], w["top"], w["x1"], w["bottom"]))
             for w in page.filter(outside).extract_words()]
    used_ocr = False
    if not words and not tables:
        words, used_ocr = ocr(page, number), True
    blocks = [(t.bbox[1], "table", _table_rows(t, number)) for t in tables]
    for line in _lines_of(words):
        blocks.append((line[0].box[1], "line", line))
    blocks.sort(key=lambda b: b[0])
    out: list = []
    for _, kind, content in blocks:
        if kind == "line" and out and out[-1][0] == "text":
            out[-1][1].append(content)
        elif kind == "line":
            out.append(("text", [content]))
        elif content:
            out.append(("table", content))
    return out, used_ocr


def _paragraphs(blocks) -> tuple[list[str], list[Word]]:
    """A page's paragraphs, and its words in the order their characters appear in them."""
    paragraphs, order = [], []
    for kind, content in blocks:
        if kind == "table":
            paragraphs.append("\n".join(w.text for w in content))
            order += content
        else:
            paragraphs += reflow([" ".join(w.text for w in line) for line in content])
            order += [w for line in content for w in line]
    return paragraphs, order


def place(text: str, words: list[Word]) -> list[tuple[int, int, Word]]:
    """Each word's (start, end) in `text`: the words' characters matched to the text's in order,
    spaces aside, skipping a character the text dropped (a hyphen joined at a line end)."""
    chars = [(ch, i) for i, w in enumerate(words) for ch in w.text if not ch.isspace()]
    spans: dict[int, list[int]] = {}
    j = 0
    for at, ch in enumerate(text):
        if ch.isspace() or j >= len(chars):
            continue
        k = j
        while k < len(chars) and k < j + 3 and chars[k][0] != ch:
            k += 1
        if k < len(chars) and chars[k][0] == ch:
            span = spans.setdefault(chars[k][1], [at, at + 1])
            span[1] = at + 1
            j = k + 1
    return [(s, e, words[i]) for i, (s, e) in sorted(spans.items())]


def _rank():
    """The rank of a lower-case word among English Wikipedia's most frequent (wordninja's list), or None."""
    import math

    import wordninja

    model = wordninja.DEFAULT_LANGUAGE_MODEL
    scale = math.log(len(model._wordcost))
    return lambda w: round(math.exp(model._wordcost[w]) / scale) if w in model._wordcost else None


def respace(token: str, rank) -> str:
    """Spaces an OCR line lost put back where the words are common English ones ("Visitorsparkonlevel"
    -> "Visitors park on level", "E42means" -> "E42 means", "codeE42" -> "code E42"); a name or code it cannot read as common
    words ("Kotaemon", "XR500") is left as it was. RapidOCR's recogniser often drops the space
    between words set close together; its wheel has no word boxes to put them back from."""
    import wordninja

    def split_run(m: re.Match) -> str:
        run = m.group()
        known = rank(run.lower())
        if known is not None and known < 60000:
            return run
        parts = wordninja.split(run)
        if len(parts) < 2 or "".join(parts) != run:
            return run

        def common(p: str) -> bool:
            r = rank(p.lower())
            return r is not None and (r < 12000 if len(p) >= 4 else r < 2000 if len(p) >= 2 else p.lower() in "ai")

        if all(common(p) for p in parts) and any(len(p) >= 4 for p in parts):
            return " ".join(parts)
        return run

    token = re.sub(r"(?<=\d)(?=[a-z]{4,})", " ", token)  # "E42means": a word glued to a code
    token = re.sub(r"(?<=[a-z]{2})(?=[A-Z]+\d)", " ", token)  # "codeE42": a code glued to a word
    return re.sub(r"[^\W\d_]{6,}", split_run, token)


def _ranker():
    try:
        return _rank()
    except ImportError:  # without wordninja, OCR text as read
        return None


def _ocr_reader():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR()


class _OCR:
    """Reads a page image, the models loaded on first need."""

    def __init__(self, name: str) -> None:
        self.name, self.engine, self.rank = name, None, None

    def __call__(self, page, number: int) -> list[Word]:
        import numpy as np

        if self.engine is None:
            self.engine = _ocr_reader()
            if self.engine is None:
                raise BadInput(f"{self.name} is a scanned PDF (page {number} has no text layer) and OCR is not "
                               f"installed; run: pip install rapidocr-onnxruntime")
            self.rank = _ranker()
        image = np.array(page.to_image(resolution=72 * OCR_SCALE).original.convert("RGB"))
        found, _ = self.engine(image)
        words = []
        for box, text, score in found or []:
            if float(score) < MIN_OCR_SCORE or not text.strip():
                continue
            if self.rank is not None:
                text = respace(text, self.rank)
            xs, ys = [p[0] / OCR_SCALE for p in box], [p[1] / OCR_SCALE for p in box]
            x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
            tokens = text.split()
            total = sum(len(t) for t in tokens) + len(tokens) - 1
            at = 0
            for token in tokens:  # a line's box shared among its words by their lengths
                left = x0 + (x1 - x0) * at / total
                at += len(token) + 1
                words.append(Word(token, number, (left, top, x0 + (x1 - x0) * min(at - 1, total) / total, bottom)))
        words.sort(key=lambda w: (round(w.box[1] / LINE_TOLERANCE), w.box[0]))
        return words


def _open(path: Path):
    """pdfplumber's document, or BadInput for an encrypted or unreadable file."""
    import pdfplumber
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    encrypted = f"{path.name} is encrypted; decrypt it first"
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:  # "" opens owner-only locks
            raise BadInput(encrypted)
    except DependencyError:  # an AES lock, which pypdf opens only with `cryptography` installed
        raise BadInput(encrypted) from None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise BadInput(f"{path.name} is not a readable PDF ({type(exc).__name__})") from None
    try:
        return pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises its own kinds for a damaged file
        raise BadInput(f"{path.name} is not a readable PDF ({type(exc).__name__})") from None


def pdf_pages(path: Path) -> tuple[str, tuple[int, ...], Layout]:
    """The PDF's text, the offset in it where each page starts (page n at index n - 1), and where
    its words sit on the pages."""
    ocr = _OCR(path.name)
    pages, order, sizes, scanned = [], [], [], []
    with _open(path) as pdf:
        try:
            for number, page in enumerate(pdf.pages, start=1):
                blocks, used_ocr = _page_blocks(page, number, ocr)
                paragraphs, words = _paragraphs(blocks)
                pages.append(paragraphs)
                order += words
                sizes.append((float(page.width), float(page.height)))
                if used_ocr:
                    scanned.append(number)
        except BadInput:
            raise
        except Exception as exc:  # a page pdfminer cannot parse
            raise BadInput(f"{path.name} is not a readable PDF ({type(exc).__name__})") from None
    marks: list[tuple[int, int]] = []
    paragraphs = join_pages(pages, marks)
    if not paragraphs:
        why = "OCR found no text on its scanned pages" if scanned else "it has no text"
        raise BadInput(f"{path.name} has no extractable text ({why})")
    at = [0]
    for para in paragraphs:
        at.append(at[-1] + len(para) + 2)  # paragraphs are joined by a blank line
    text = "\n\n".join(paragraphs) + "\n"
    placed = [(s, e, w.page, *w.box) for s, e, w in place(text, order)]
    layout = Layout(str(path), sizes, placed, scanned)
    return text, tuple(at[i] + offset for i, offset in marks), layout
