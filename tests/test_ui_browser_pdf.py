"""A PDF citation checked where it lives, in the real window in headless Chromium: the chip opens
the page in the evidence panel with the cited sentence marked on it, for a text PDF and a scan.
The mark's place on the screen is checked against the word boxes saved at ingest."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag.answering.engine import Engine
from rag.ingestion.documents import load
from rag.ingestion.layout import Layout
from rag.llm.local_server import free_port
from rag.settings import Settings
from tests.conftest import ROOT, make_pdf, make_scan_pdf
from tests.test_ui_browser import SHOTS, ask, last_bot_html, window_page

pytestmark = pytest.mark.integration
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def window(tmp_path_factory):
    from ui.app import launch

    tmp = tmp_path_factory.mktemp("pdf-ui")
    report = make_pdf(tmp / "harbour-report.pdf",
                      ["Harbour board annual report", "The board met four times this year and approved the accounts."],
                      more_pages=[["Ferry services ran on time on most days of the year.",
                                   "Passenger numbers rose by a tenth."],
                                  ["Dredging", "The dredging budget for the outer channel is 4.2 million euros.",
                                   "Work on the channel starts in May."]])
    notice = make_pdf(tmp / "notice.pdf", ["Parking notice", "The parking garage closes at 22:00 on weekdays.",
                                           "Visitors park on level minus two."])
    scan = make_scan_pdf(tmp / "scanned-notice.pdf", notice)
    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp / "data"), "RAG_COLLECTION": "pdfs"})
    engine = Engine(settings, create=True)
    engine.store.sync(load([report, scan], tmp / "data" / "extracted"))
    port = free_port()
    app = launch(port=port, engine=engine, block=False)
    with window_page(f"http://127.0.0.1:{port}/", height=1100) as page:
        yield SimpleNamespace(page=page, extracted=tmp / "data" / "extracted")
    app.close()


def open_chip(page) -> str:
    """Click the last answer's first chip; the number it shows."""
    chip = page.locator("#chat [data-testid='bot']").last.locator(".cite-chip").first
    number = chip.inner_text().split("·")[0].strip()
    chip.click()
    page.wait_for_selector("#evidence .pdf-view .pdf-page img", timeout=15000)
    page.wait_for_function("() => { const i = document.querySelector('#evidence .pdf-view img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=15000)
    time.sleep(0.6)  # the scroll to the mark
    return number


def mark_in_points(page) -> tuple[int, list[tuple[float, float, float, float]]]:
    """The page shown and each mark's box, measured on the screen and turned into PDF points."""
    view = page.locator("#evidence .pdf-view")
    shown = int(view.get_attribute("data-page"))
    holder = view.locator(".pdf-page")
    width, height = float(holder.get_attribute("data-width")), float(holder.get_attribute("data-height"))
    img = view.locator("img").bounding_box()
    boxes = []
    for i in range(view.locator(".pdf-mark").count()):
        m = view.locator(".pdf-mark").nth(i).bounding_box()
        boxes.append(((m["x"] - img["x"]) / img["width"] * width, (m["y"] - img["y"]) / img["height"] * height,
                      (m["x"] + m["width"] - img["x"]) / img["width"] * width,
                      (m["y"] + m["height"] - img["y"]) / img["height"] * height))
    return shown, boxes


def saved_boxes(engine_path: str, sentence: str):
    text = Path(engine_path).read_text(encoding="utf-8")
    start = text.index(sentence)
    return Layout.load(engine_path).locate(text, start, start + len(sentence))


def test_a_pdf_chip_opens_the_page_with_the_cited_sentence_marked(window):
    page = window.page
    ask(page, "What is the dredging budget for the outer channel?")
    assert "4.2 million" in last_bot_html(page)
    open_chip(page)
    assert "on page 3 of harbour-report.pdf" in page.locator("#evidence").inner_text()
    shown, boxes = mark_in_points(page)
    assert shown == 3 and len(boxes) == 1
    [text_path] = window.extracted.glob("harbour-report-*.txt")
    expected = saved_boxes(str(text_path), "The dredging budget for the outer channel is 4.2 million euros.")
    assert expected.page == 3
    assert boxes[0] == pytest.approx(expected.boxes[0], abs=1.5)  # within 1.5 points of the saved place
    view = page.locator("#evidence .pdf-view").bounding_box()
    mark = page.locator("#evidence .pdf-mark").first.bounding_box()
    assert view["y"] <= mark["y"] <= view["y"] + view["height"], "the page is scrolled to the mark"
    page.locator("#evidence").screenshot(path=str(DOCS / "pdf-citation.png"))
    page.screenshot(path=str(SHOTS / "14-pdf-page.png"), full_page=True)


def test_a_scanned_page_is_answerable_and_marked_on_the_scan(window):
    page = window.page
    ask(page, "When does the parking garage close?")
    assert "22:00" in last_bot_html(page)
    open_chip(page)
    panel = page.locator("#evidence").inner_text()
    assert "scanned-notice.pdf (a scanned page, read by OCR)" in panel and "read by OCR" in panel
    shown, boxes = mark_in_points(page)
    [text_path] = window.extracted.glob("scanned-notice-*.txt")
    expected = saved_boxes(str(text_path), "The parking garage closes at 22:00 on weekdays.")
    assert shown == 1 and boxes and boxes[0] == pytest.approx(expected.boxes[0], abs=1.5)
    page.screenshot(path=str(SHOTS / "15-scanned-page.png"), full_page=True)

