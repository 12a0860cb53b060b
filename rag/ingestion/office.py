"""Text out of office documents, e-books and tables (.docx, .pptx, .xlsx, .csv, .epub, .odt), with their own libraries.

The text reads like rag.ingestion.parsers' HTML text: paragraphs apart by a
blank line, headings as Markdown '#' lines (Word and OpenDocument heading
styles, "# Slide N: title" per slide, "# Sheet: name" per worksheet, an
e-book's chapter titles) so the chunker finds sections. A table row, in a
spreadsheet, a CSV file or a table inside a document, is one line naming each
value's column, "Header: value | Header: value", the header being the table's
first non-empty row; empty rows and cells are left out. The chunker cuts these
documents at line ends first, so a row stays whole (and with its header)
unless it alone is longer than a chunk.

Limits: a worksheet or CSV file is read to its first MAX_ROWS rows, and every
table to its first MAX_COLUMNS columns; the text says where it stops.
Spreadsheet formulas give the value last saved with the file. A file the
library cannot open (corrupt, renamed, password-protected) raises BadInput.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from pathlib import Path

from rag.errors import BadInput

ZIPPED = (".docx", ".pptx", ".xlsx", ".epub", ".odt")  # each a ZIP package read by its library
KINDS = {".docx": "a Word", ".pptx": "a PowerPoint", ".xlsx": "an Excel", ".epub": "an EPUB",
         ".odt": "an OpenDocument text"}
MAX_ROWS = 5000
MAX_COLUMNS = 50
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a password-protected Office file, or an old .doc/.xls/.ppt


def _clean(text: str) -> str:
    """A paragraph's lines, each with its runs of whitespace made one space; empty lines dropped."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(x for x in lines if x)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def table_lines(rows: Iterable, max_rows: int | None = None) -> str:
    """One "Header: value | ..." line per non-empty row after the header row, to max_rows (MAX_ROWS)."""
    return "\n".join(line for _, line in table_rows(rows, max_rows))


def table_rows(rows: Iterable, max_rows: int | None = None) -> list[tuple[int | None, str]]:
    """table_lines' lines, each with the index of the row it was written from (None for a note
    about rows or columns left out), so that a PDF can place each line where its row is."""
    max_rows = MAX_ROWS if max_rows is None else max_rows
    header: tuple[int, list[str]] | None = None
    out: list[tuple[int | None, str]] = []
    wide = False
    for i, row in enumerate(rows):
        row = list(row)
        wide = wide or len(row) > MAX_COLUMNS
        cells = [_cell(v) for v in row[:MAX_COLUMNS]]
        if not any(cells):
            continue
        if header is None:
            header = (i, cells)
            continue
        if len(out) == max_rows:
            out.append((None, f"(rows after the first {max_rows} are not indexed)"))
            break
        head = header[1]
        names = [(head[c] if c < len(head) else "") or f"Column {c + 1}" for c in range(len(cells))]
        out.append((i, " | ".join(f"{name}: {value}" for name, value in zip(names, cells) if value)))
    if header is not None and not out:  # a header alone is still text
        out.append((header[0], " | ".join(x for x in header[1] if x)))
    if wide and out:
        out.append((None, f"(columns after the first {MAX_COLUMNS} are not indexed)"))
    return out


def _finish(blocks: list[str], name: str) -> str:
    blocks = [b for b in blocks if b.strip()]
    if all(line.startswith("#") for b in blocks for line in b.splitlines() if line):  # headings alone are no text
        raise BadInput(f"{name} has no text")
    return "\n\n".join(blocks) + "\n"


def _docx(path: Path) -> list[str]:
    import docx
    from docx.table import Table

    blocks = []
    for item in docx.Document(str(path)).iter_inner_content():
        if isinstance(item, Table):
            blocks.append(table_lines([cell.text for cell in row.cells] for row in item.rows))
            continue
        text, style = _clean(item.text), (item.style.name if item.style is not None else "")
        if style == "Title" or style.startswith("Heading "):
            level = int(style[8:]) if style[8:].isdigit() else 1
            text = "#" * min(level, 6) + " " + text.replace("\n", " ") if text else ""
        blocks.append(text)
    return blocks


def _shapes(shapes):
    """Shapes in order, those inside groups included."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _pptx(path: Path) -> list[str]:
    from pptx import Presentation

    blocks = []
    for n, slide in enumerate(Presentation(str(path)).slides, start=1):
        title = slide.shapes.title
        name = " ".join(title.text_frame.text.split()) if title is not None and title.has_text_frame else ""
        blocks.append(f"# Slide {n}: {name}" if name else f"# Slide {n}")
        for shape in _shapes(slide.shapes):
            if title is not None and shape.shape_id == title.shape_id:
                continue
            if shape.has_text_frame:
                blocks.append(_clean(shape.text_frame.text))
            elif shape.has_table:
                blocks.append(table_lines([cell.text for cell in row.cells] for row in shape.table.rows))
        notes = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
        if notes is not None and _clean(notes.text):
            blocks.append("Notes: " + _clean(notes.text))
    return blocks


def _xlsx(path: Path) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(str(path), read_only=True, data_only=True)
    try:
        blocks = []
        for sheet in book.worksheets:
            lines = table_lines(sheet.iter_rows(values_only=True))
            if lines:
                blocks += [f"# Sheet: {' '.join(sheet.title.split())}", lines]
        return blocks
    finally:
        book.close()


def _epub(path: Path) -> list[str]:
    from ebooklib import ITEM_DOCUMENT, epub

    from rag.ingestion.parsers import html_text

    book = epub.read_epub(str(path))
    titles: dict[str, str] = {}

    def contents(entries) -> None:
        for entry in entries:
            head, children = entry if isinstance(entry, tuple) else (entry, [])
            href, title = getattr(head, "href", None), " ".join((getattr(head, "title", None) or "").split())
            if href and title:
                titles.setdefault(href.split("#")[0], title)
            contents(children)

    contents(book.toc)
    blocks = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ITEM_DOCUMENT:
            continue
        try:
            text = html_text(item.get_content(), path.name).strip()
        except BadInput:  # a cover or a page of images
            continue
        title = titles.get(item.get_name())
        blocks.append(f"# {title}\n\n{text}" if title and not text.startswith("#") else text)
    return blocks


def _odt(path: Path) -> list[str]:
    from odf import opendocument, teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.table import TableCell, TableRow

    blocks = []

    def walk(node) -> None:
        for el in node.childNodes:
            kind = getattr(el, "qname", None)
            if kind == (TEXTNS, "h"):
                level = el.getAttrNS(TEXTNS, "outline-level") or "1"
                text = " ".join(teletype.extractText(el).split())
                blocks.append("#" * min(int(level) if level.isdigit() else 1, 6) + " " + text if text else "")
            elif kind == (TEXTNS, "p"):
                blocks.append(_clean(teletype.extractText(el)))
            elif kind == (TABLENS, "table"):
                blocks.append(table_lines([teletype.extractText(c) for c in row.getElementsByType(TableCell)]
                                          for row in el.getElementsByType(TableRow)))
            elif kind is not None:  # lists, list items, sections: their paragraphs, in order
                walk(el)

    walk(opendocument.load(str(path)).text)
    return blocks


READERS = {".docx": _docx, ".pptx": _pptx, ".xlsx": _xlsx, ".epub": _epub, ".odt": _odt}


def document_text(path: Path, raw: bytes) -> str:
    """The text of a .docx, .pptx, .xlsx, .epub or .odt file (`raw` holds its bytes)."""
    suffix = path.suffix.lower()
    kind = KINDS[suffix]
    if raw.startswith(OLE_MAGIC):
        raise BadInput(f"{path.name} is password-protected or in the old binary format; "
                       f"save it as an unprotected {suffix} file first")
    if not raw.startswith(ZIP_MAGIC):
        raise BadInput(f"{path.name} is not {kind} file (its bytes are not a {suffix} package)")
    try:
        return _finish(READERS[suffix](path), path.name)
    except BadInput:
        raise
    except Exception as exc:  # noqa: BLE001 - each library fails its own way on a broken package (BadZipFile, lxml...)
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise BadInput(f"{path.name} cannot be read as {kind} file ({why})") from None


def csv_text(text: str, name: str) -> str:
    """A CSV file's rows as "Header: value" lines (comma, semicolon, tab or bar separated)."""
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:  # one column, or too few rows to tell
        dialect = csv.excel
    try:
        lines = table_lines(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise BadInput(f"{name} is not readable CSV ({exc})") from None
    return _finish([lines], name)
