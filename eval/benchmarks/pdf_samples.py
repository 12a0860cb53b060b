"""PDFs made on the spot, without fonts or a PDF writer beyond pypdf: pages of text lines, a
ruled table, and a scanned copy of any PDF (its pages as images, no text layer). The tests and
eval/benchmarks/bench_ocr.py build their documents with these."""

from __future__ import annotations


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
