"""PDFs as people have them: several pages, tables, scans. Each word's place on its page is kept
(rag.ingestion.layout), a table row keeps its columns, a scanned page is read by OCR; the page
view of the evidence panel marks the cited sentence where it is (ui.pages)."""

from __future__ import annotations

import re
import time

import pytest

from rag.errors import BadInput
from rag.ingestion.chunking import chunk
from rag.ingestion.documents import load
from rag.ingestion.layout import Layout
from rag.ingestion.pdf import pdf_pages
from rag.settings import Settings
from tests.conftest import make_pdf, make_scan_pdf, make_table_pdf

PAGES = (["Harbour board annual report", "The board met four times this year and approved the accounts."],
         [["Ferry services ran on time on most days of the year."],
          ["Dredging", "The dredging budget for the outer channel is 4.2 million euros.",
           "Work on the channel starts in May."]])


def engine_over(tmp_path, *pdfs):
    from rag.answering.engine import Engine

    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_COLLECTION": "pdfs"})
    eng = Engine(settings, create=True)
    eng.store.sync(load(list(pdfs), tmp_path / "data" / "extracted"))
    return eng


def test_each_word_keeps_its_place_on_its_page(tmp_path):
    import pdfplumber

    pdf = make_pdf(tmp_path / "report.pdf", PAGES[0], more_pages=PAGES[1])
    text, pages, layout = pdf_pages(pdf)
    start = text.index("The dredging budget")
    end = text.index("euros.") + len("euros.")
    where = layout.locate(text, start, end)
    assert where is not None and where.page == 3 and pages[2] <= start
    with pdfplumber.open(pdf) as doc:
        words = doc.pages[2].extract_words()
    line = [w for w in words if abs(w["top"] - words[1]["top"]) < 1]  # the sentence's line on page 3
    [box] = where.boxes
    assert box == pytest.approx((line[0]["x0"], line[0]["top"], line[-1]["x1"], line[-1]["bottom"]), abs=0.01)
    assert layout.locate(text, text.index("approved"), text.index("Ferry") + 5) is None  # spans two pages
    saved = Layout.load(load([pdf], tmp_path / "x")[0].text_path)
    assert saved is not None and saved.words == [tuple(w) for w in layout.words] and saved.sizes == [(612, 792)] * 3


def test_a_stretch_that_cannot_be_placed_with_confidence_is_not_placed(tmp_path):
    pdf = make_pdf(tmp_path / "report.pdf", PAGES[0], more_pages=PAGES[1])
    text, _, layout = pdf_pages(pdf)
    start = text.index("The dredging budget")
    layout.words = [w for w in layout.words if not (start <= w[0] < start + 30)]  # its first words unplaced
    assert layout.locate(text, start, text.index("euros.") + 6) is None


def test_a_table_row_is_read_with_its_headers_and_answers_one_cell(tmp_path):
    pdf = make_table_pdf(tmp_path / "harbour-budget.pdf", ["Harbour works budget 2026",
                                                          "The board approved these budgets in March."],
                         ["Item", "Budget", "Start"],
                         [["Dredging", "EUR 4.2 million", "May"], ["Quay repairs", "EUR 1.1 million", "June"],
                          ["Lighting", "EUR 0.3 million", "July"]])
    doc = load([pdf], tmp_path / "extracted")[0]
    assert "Item: Quay repairs | Budget: EUR 1.1 million | Start: June" in doc.text
    assert "Dredging EUR 4.2 million" not in doc.text  # no run of cells without their columns
    eng = engine_over(tmp_path, pdf)
    a = eng.ask("What is the budget for quay repairs?")
    assert not a.refused and "1.1 million" in a.text and "4.2" not in a.text, a.text
    assert a.citations[0].page == 1


def test_a_scanned_pdf_is_read_by_ocr_and_its_citations_say_so(tmp_path, capsys):
    source = make_pdf(tmp_path / "notice.pdf", ["Parking notice",
                                                "The parking garage closes at 22:00 on weekdays.",
                                                "Visitors park on level minus two."])
    scan = make_scan_pdf(tmp_path / "scanned-notice.pdf", source)
    t0 = time.perf_counter()
    text, pages, layout = pdf_pages(scan)
    seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\nOCR: {seconds:.1f} s for 1 page")
    assert layout.ocr_pages == [1] and "closes at 22:00 on weekdays" in text
    assert "Visitors park on level minus two" in text  # the spaces OCR lost, put back
    start = text.index("The parking garage")
    where = layout.locate(text, start, text.index("weekdays.") + 9)
    assert where is not None and where.page == 1 and 60 < where.boxes[0][0] < 90  # where the line is printed
    eng = engine_over(tmp_path, scan)
    a = eng.ask("When does the parking garage close?")
    assert not a.refused and "22:00" in a.text
    assert a.citations[0].ocr and a.to_json()["citations"][0]["ocr"] is True
    [c] = [c for c in chunk(load([scan])[0])][:1]
    assert dict(c.origin) == {"ocr": True}


def test_pdfs_that_cannot_be_read_are_one_clear_line(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF")
    blank = make_pdf(tmp_path / "blank-src.pdf", [" "])
    blank_scan = make_scan_pdf(tmp_path / "blank-scan.pdf", blank)
    for path, needle in [(broken, "broken.pdf is not a readable PDF"),
                         (blank_scan, "blank-scan.pdf has no extractable text (OCR found no text")]:
        with pytest.raises(BadInput) as err:
            load([path])
        assert needle in str(err.value) and "\n" not in str(err.value)


def test_the_evidence_panel_shows_the_page_with_the_sentence_marked(tmp_path):
    from ui.render import evidence_html

    pdf = make_pdf(tmp_path / "report.pdf", PAGES[0], more_pages=PAGES[1])
    eng = engine_over(tmp_path, pdf)
    a = eng.ask("What is the dredging budget for the outer channel?")
    c = a.citations[0]
    html = evidence_html(a, 0, c.number)
    assert 'data-page="3"' in html and "on page 3 of report.pdf" in html
    assert html.count('class="pdf-mark"') == 1 and 'src="data:image/jpeg;base64,' in html
    left, top = (float(x) for x in re.search(r'left:([\d.]+)%;top:([\d.]+)%', html).groups())
    text = open(c.path, encoding="utf-8").read()
    where = Layout.load(c.path).locate(text, text.index("The dredging budget"), text.index("euros.") + 6)
    assert left == pytest.approx(100 * where.boxes[0][0] / 612, abs=0.01)
    assert top == pytest.approx(100 * where.boxes[0][1] / 792, abs=0.01)
    md = tmp_path / "notes.md"  # other formats keep the passage in its document's text
    md.write_text("# Notes\n\nThe dredging budget is 4.2 million euros.\n", encoding="utf-8")
    assert "pdf-view" not in evidence_html(engine_over(tmp_path / "md", md).ask("What is the dredging budget?"), 0)


def test_ocr_spaces_are_put_back_only_between_common_words():
    from rag.ingestion.pdf import _rank, respace

    rank = _rank()
    assert respace("Visitorsparkonlevel minustwo.", rank) == "Visitors park on level minus two."
    assert respace("Error codeE42means thefilteris blocked.", rank) == "Error code E42 means the filter is blocked."
    for kept in ("Kotaemon ships XR500 units", "iPhone12 at 10am on the 4th", "McDonald"):
        assert respace(kept, rank) == kept
