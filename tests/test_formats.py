"""Office documents, e-books, tables, text judged by content, and PDF page numbers, each
on real files written by the format's own library."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile

import pytest

from rag.answer import Answer, Citation
from rag.errors import BadInput
from rag.ingestion.chunking import chunk
from rag.ingestion.documents import load
from rag.ingestion.office import table_lines
from tests.conftest import ROOT, make_pdf


def ingested(path, tmp_path):
    """The document and its chunks, checking that every chunk's offsets slice the saved text."""
    [doc] = load([path], tmp_path / "extracted")
    assert doc.text_path is not None and doc.text_path.parent == (tmp_path / "extracted").resolve()
    saved = doc.text_path.read_text(encoding="utf-8")
    assert saved == doc.text
    chunks = chunk(doc)
    assert chunks
    for c in chunks:
        assert saved[c.start:c.end] == c.text and c.text_path == str(doc.text_path)
    return doc, chunks


def rag(*args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600, check=False)


def test_docx_headings_paragraphs_and_tables(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Llama care", 1)
    document.add_paragraph("Llamas eat grass and hay.")
    document.add_heading("Housing", 2)
    document.add_paragraph("They need a dry shelter.")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Animal", "Shelter"), ("Llama", "barn"), ("Alpaca", "shed")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(tmp_path / "care.docx")
    doc, chunks = ingested(tmp_path / "care.docx", tmp_path)
    assert doc.text.startswith("# Llama care\n\nLlamas eat grass and hay.\n\n## Housing\n\n")
    assert [(c.heading, c.text) for c in chunks] == [
        ("Llama care", "Llamas eat grass and hay."),
        ("Housing", "They need a dry shelter.\n\nAnimal: Llama | Shelter: barn\nAnimal: Alpaca | Shelter: shed")]


def test_pptx_slides_are_sections(tmp_path):
    pptx = pytest.importorskip("pptx")
    deck = pptx.Presentation()
    for title, body in [("Herd size", "A herd has ten llamas."), ("Feeding", "Hay twice a day.")]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    slide.notes_slide.notes_text_frame.text = "Mention the water trough."
    deck.save(tmp_path / "herd.pptx")
    _, chunks = ingested(tmp_path / "herd.pptx", tmp_path)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Slide 1: Herd size", "A herd has ten llamas."),
        ("Slide 2: Feeding", "Hay twice a day.\n\nNotes: Mention the water trough.")]


def workbook(path, sheets: dict[str, list[list]]):
    """An .xlsx written by openpyxl, one sheet per entry, rows as given."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_rows_keep_their_header(tmp_path):
    herd = workbook(tmp_path / "herd.xlsx", {
        "Llamas": [["Name", "Age", "Colour"], ["Bob", 3, "brown"],
                   [None, None, None],  # empty rows are skipped
                   ["Ann", 5.0, None]],  # and so are empty cells
        "Alpacas": [["Name", "Weight (kg)"], ["Cy", 60.5]]})
    _, chunks = ingested(herd, tmp_path)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Sheet: Llamas", "Name: Bob | Age: 3 | Colour: brown\nName: Ann | Age: 5"),
        ("Sheet: Alpacas", "Name: Cy | Weight (kg): 60.5")]


def test_a_long_sheet_is_cut_between_rows_only(tmp_path):
    rows = [[f"Llama {i}", f"Town {i}. Old quarter", f"paid, late; fed at {i % 12} o'clock"] for i in range(300)]
    long = workbook(tmp_path / "long.xlsx", {"Sheet": [["Name", "City", "Note"], *rows]})
    _, chunks = ingested(long, tmp_path)
    assert len(chunks) > 10
    for c in chunks:
        assert all(line.startswith("Name: Llama ") and line.endswith("o'clock") for line in c.text.split("\n"))


def test_table_caps_say_where_they_stop():
    rows = [["n", *(f"c{i}" for i in range(60))]] + [[str(r)] * 61 for r in range(5)]
    lines = table_lines(rows, max_rows=3).split("\n")
    assert lines[0].startswith("n: 0 | c0: 0") and "c48: 0" in lines[0] and "c49" not in lines[0]
    assert lines[-2:] == ["(rows after the first 3 are not indexed)", "(columns after the first 50 are not indexed)"]


def test_csv_rows_keep_their_header(tmp_path):
    with open(tmp_path / "towns.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerows([["Name", "Town"], ["Bob", "Lima, Peru"], [], ["Ann", "Cusco"]])
    (tmp_path / "semi.csv").write_text("Name;Town\nCy;Puno\nDi;Arequipa\n", encoding="utf-8")
    _, chunks = ingested(tmp_path / "towns.csv", tmp_path)
    assert [c.text for c in chunks] == ["Name: Bob | Town: Lima, Peru\nName: Ann | Town: Cusco"]
    _, chunks = ingested(tmp_path / "semi.csv", tmp_path)
    assert [c.text for c in chunks] == ["Name: Cy | Town: Puno\nName: Di | Town: Arequipa"]


def test_epub_chapters_are_sections(tmp_path):
    epub = pytest.importorskip("ebooklib.epub")
    book = epub.EpubBook()
    book.set_identifier("camelids-1")
    book.set_title("Camelids")
    book.set_language("en")
    one = epub.EpubHtml(title="Chapter One", file_name="one.xhtml", lang="en")
    one.content = "<html><body><h1>Llamas</h1><p>Llamas <em>hum</em> when curious.</p></body></html>"
    two = epub.EpubHtml(title="Alpacas", file_name="two.xhtml", lang="en")  # no heading: the contents name it
    two.content = "<html><body><p>Alpacas spit when cross.</p></body></html>"
    book.add_item(one)
    book.add_item(two)
    book.toc = (one, two)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", one, two]
    epub.write_epub(str(tmp_path / "camelids.epub"), book)
    _, chunks = ingested(tmp_path / "camelids.epub", tmp_path)
    assert [(c.heading, c.text) for c in chunks] == [("Llamas", "Llamas hum when curious."),
                                                      ("Alpacas", "Alpacas spit when cross.")]


def test_odt_headings_paragraphs_and_tables(tmp_path):
    pytest.importorskip("odf")
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Guanacos"))
    document.text.addElement(P(text="Guanacos live wild in Patagonia."))
    table = Table(name="ages")
    for values in [("Name", "Age"), ("Gus", "7")]:
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(tmp_path / "guanacos.odt"))
    _, chunks = ingested(tmp_path / "guanacos.odt", tmp_path)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Guanacos", "Guanacos live wild in Patagonia.\n\nName: Gus | Age: 7")]


def test_text_is_recognised_by_content_whatever_its_name(tmp_path):
    names = {"Apache-2.0": "Apache License\nVersion 2.0, January 2004\n\nTERMS AND CONDITIONS FOR USE.\n",
             "notes.rst": "Llamas\n======\n\nLlamas hum when curious.\n",
             "herd.json": json.dumps({"herd": ["Bob", "Ann"], "size": 2}) + "\n"}
    for name, text in names.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    docs = load([tmp_path / name for name in names])
    assert [d.text for d in docs] == list(names.values()) and all(d.text_path is None for d in docs)
    assert [(c.heading, c.text) for c in chunk(docs[1])] == [("Llamas", "Llamas hum when curious.")]
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)))
    (tmp_path / ".hidden.cfg").write_text("secret = 1\n", encoding="utf-8")
    assert sorted(d.name for d in load([tmp_path])) == ["Apache-2.0", "herd.json", "notes.rst"]
    with pytest.raises(BadInput) as info:
        load([tmp_path / "blob.dat"])
    message = str(info.value)
    assert message.startswith("unsupported file type '.dat'") and "not UTF-8 text" in message
    assert ".docx" in message and "\n" not in message


@pytest.mark.parametrize("name, content, message", [
    ("random.docx", os.urandom(2048), "random.docx is not a Word file"),
    ("random.epub", b"\x00\x01" * 500, "random.epub is not an EPUB file"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "locked.xlsx is password-protected"),
])
def test_corrupt_office_files_are_refused(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(BadInput, match=message):
        load([tmp_path / name])


def test_a_zip_that_is_not_the_format_and_an_empty_document_are_refused(tmp_path):
    docx = pytest.importorskip("docx")
    with zipfile.ZipFile(tmp_path / "other.pptx", "w") as zf:
        zf.writestr("hello.txt", "not a presentation")
    with pytest.raises(BadInput, match=r"other.pptx cannot be read as a PowerPoint file \(") as info:
        load([tmp_path / "other.pptx"])
    assert "\n" not in str(info.value)
    docx.Document().save(tmp_path / "empty.docx")
    with pytest.raises(BadInput, match="empty.docx has no text"):
        load([tmp_path / "empty.docx"])


def test_ingest_refuses_a_corrupt_docx_in_one_line_before_writing(tmp_path):
    (tmp_path / "good.txt").write_text("Llamas hum.\n", encoding="utf-8")
    (tmp_path / "bad.docx").write_bytes(b"this was never a Word file")
    r = rag("ingest", str(tmp_path / "good.txt"), str(tmp_path / "bad.docx"),
            env_extra={"RAG_DATA_DIR": str(tmp_path / "data")})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == "rag: bad.docx is not a Word file (its bytes are not a .docx package)"
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_an_encrypted_pdf_is_refused(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    plain = make_pdf(tmp_path / "plain.pdf", ["Alpacas are smaller than llamas."])
    for name, user in [("locked.pdf", "pw"), ("owner-only.pdf", "")]:
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(plain))
        writer.encrypt(user, owner_password="owner")
        writer.write(tmp_path / name)
    with pytest.raises(BadInput, match=r"^locked.pdf is encrypted; decrypt it first$"):
        load([tmp_path / "locked.pdf"])
    assert "Alpacas are smaller" in load([tmp_path / "owner-only.pdf"])[0].text  # opens without a password


PAGE_ONE = ["Llamas live in the high Andes.", "They are camelids and they hum softly"]
PAGE_TWO = ["when they are curious.", "The quokka colony on Rottnest Island numbers about 12,000 animals."]
PAGE_THREE = ["Guanacos", "Guanacos are the wild ancestors of llamas."]


def test_pdf_chunks_know_their_page(tmp_path):
    pdf = make_pdf(tmp_path / "three.pdf", PAGE_ONE, more_pages=[PAGE_TWO, PAGE_THREE])
    [doc] = load([pdf], tmp_path / "extracted")
    starts = [doc.text.index(x) for x in ("Llamas live", "when they are", "Guanacos")]
    assert doc.pages == tuple(starts)  # a paragraph running over a page break: page 2 starts mid-paragraph
    chunks = chunk(doc, chunk_size=24, chunk_overlap=0)
    assert {c.page for c in chunks} == {1, 2, 3}
    for c in chunks:
        assert c.page == 1 + sum(c.start >= s for s in starts[1:])
        assert c.metadata()["page"] == c.page
    assert "page" not in chunk(load([tmp_path / "extracted"])[0])[0].metadata()  # text files have no pages


def test_citation_page_in_json_cli_and_window():
    from rag.cli import _where
    from ui.render import evidence_html

    c = Citation(1, "Alpacas spit.", "herd.pdf", 10, 23, "Habits", "/data/extracted/herd-1.txt", 2)
    plain = Citation(2, "Llamas hum.", "notes.txt", 0, 11, "", "/x/notes.txt")
    a = Answer("Alpacas spit [1]. Llamas hum [2].", citations=[c, plain], question="What do they do?")
    assert [e.get("page") for e in a.to_json()["citations"]] == [2, None]
    assert "page" not in a.to_json()["citations"][1]
    assert ", page 2, “Habits”" in _where(c) and "page" not in _where(plain)
    assert "herd.pdf · page 2 · chars 10–23" in evidence_html(a, 0)


@pytest.mark.integration
def test_a_passage_on_page_two_is_cited_with_its_page(tmp_path):
    from rag.answering.engine import Engine
    from rag.settings import Settings

    pdf = make_pdf(tmp_path / "wildlife.pdf", PAGE_ONE + ["when they are curious."],
                   more_pages=[["Quokkas", PAGE_TWO[1]], PAGE_THREE])
    env = {"RAG_DATA_DIR": str(tmp_path / "data")}
    r = rag("ingest", str(pdf), env_extra=env)
    assert r.returncode == 0, r.stderr
    question = "How many animals are in the quokka colony on Rottnest Island?"
    engine = Engine(Settings.from_env().with_(data_dir=str(tmp_path / "data")), ensure_seeds=False)
    a = engine.ask(question)
    assert not a.refused and "12,000" in a.text
    assert [c.page for c in a.citations if "12,000" in c.text] == [2]
    r = rag("ask", question, env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "in the extracted text of wildlife.pdf" in r.stdout and ", page 2" in r.stdout
    out = json.loads(rag("ask", question, "--json", env_extra=env).stdout)
    assert [c["page"] for c in out["citations"] if "12,000" in c["text"]] == [2]


def test_uploads_take_the_new_formats():
    from ui.uploads import UPLOAD_SUFFIXES

    assert {".docx", ".pptx", ".xlsx", ".csv", ".epub", ".odt"} <= set(UPLOAD_SUFFIXES)
