"""The real chat window in a real browser (headless Chromium) and through gradio_client.

The app runs on a free 127.0.0.1 port over a fresh index; screenshots land in
artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from rag.answering.engine import Engine
from rag.llm.local_server import free_port
from rag.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic"]




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ui.app import launch

    data = tmp_path_factory.mktemp("ui-data")
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(data)}))
    port = free_port()
    app = launch(port=port, engine=engine, block=False)
    yield f"http://127.0.0.1:{port}/", engine
    app.close()


@pytest.fixture(scope="module")
def page(server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(server[0])
        pg.wait_for_selector("#question textarea", timeout=60000)
        yield pg
        browser.close()


def ask(page, question: str) -> None:
    before = page.locator("#chat .message-row, #chat [data-testid='bot']").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "([n]) => document.querySelectorAll(\"#chat .message-row, #chat [data-testid='bot']\").length >= n + 2"
        " && !document.querySelector('#chat').innerText.includes('Searching the documents')"
        " && !document.querySelector('#chat').innerText.includes('▌')", arg=[before], timeout=60000)
    time.sleep(0.3)


def last_bot_html(page) -> str:
    return page.locator("#chat [data-testid='bot']").last.inner_html()


def test_answer_streams_with_chips_and_the_chip_shows_the_passage_in_place(page):
    page.evaluate("""() => { window.__sawStream = false;
        new MutationObserver(() => { if (document.querySelector('#chat').innerText.includes('▌')) window.__sawStream = true; })
        .observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true}); }""")
    ask(page, "Where did Putin and Xi meet?")
    assert page.evaluate("window.__sawStream"), "the answer should stream in"
    html = last_bot_html(page)
    assert "Beijing" in html and "cite-chip" in html
    page.screenshot(path=str(SHOTS / "1-answer.png"))
    chip = page.locator("#chat [data-testid='bot'] .cite-chip").first
    number = chip.inner_text().strip()
    chip.click()
    page.wait_for_selector("#evidence .ev-card.active", timeout=10000)
    active = page.locator("#evidence .ev-card.active")
    assert active.get_attribute("id").endswith(f"-{number}")
    assert active.locator("mark.support").count() >= 1
    mark = page.locator("#evidence .ev-context mark.in-context")
    assert mark.count() == 1
    time.sleep(0.5)
    box = page.locator("#evidence .ev-context").bounding_box()
    mbox = mark.bounding_box()
    assert mbox["y"] < box["y"] + box["height"] and mbox["y"] + mbox["height"] > box["y"], "passage scrolled into view"
    page.screenshot(path=str(SHOTS / "2-evidence.png"), full_page=True)


def test_follow_up_uses_the_conversation(page):
    ask(page, "Who is Sergey Lavrov?")
    ask(page, "What did he call the relationship?")
    assert "duet" in last_bot_html(page)
    page.screenshot(path=str(SHOTS / "3-follow-up.png"))


def test_unanswerable_question_is_refused_visibly(page):
    ask(page, "What is the recipe for borscht?")
    assert "rag-refusal" in last_bot_html(page)
    page.screenshot(path=str(SHOTS / "4-refusal.png"))


def test_empty_question_shows_a_message(page):
    before = page.locator("#chat .rag-error").count()
    page.fill("#question textarea", "   ")
    page.click("#ask")
    page.wait_for_function(f"() => document.querySelectorAll('#chat .rag-error').length > {before}", timeout=10000)


def upload(page, path, status: str) -> None:
    """Add a file in the Documents tab and wait for the status line to say `status`."""
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(1000)
    page.click("#add-docs")
    page.wait_for_function(f"() => document.querySelector('#doc-status').innerText.includes({status!r})",
                           timeout=60000)


def test_upload_a_document_and_get_an_answer_citing_it(page, tmp_path):
    doc = tmp_path / "llamas.md"
    doc.write_text("# Llamas\n\nLlamas are domesticated South American camelids that mostly eat grass and hay.\n",
                   encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    upload(page, doc, "Added 1 file")
    assert "llamas.md" in page.locator("#doc-table").inner_text()
    page.screenshot(path=str(SHOTS / "5-documents.png"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    page.wait_for_timeout(1000)
    page.click("#add-docs")
    page.wait_for_selector("text=looks binary", timeout=20000)
    page.get_by_role("tab", name="Chat").click()
    ask(page, "What do llamas eat?")
    assert "grass" in last_bot_html(page)
    page.locator("#chat [data-testid='bot'] .cite-chip").last.click()
    page.wait_for_selector("#evidence .ev-card.active", timeout=10000)
    assert "llamas.md" in page.locator("#evidence .ev-card.active").inner_text()
    page.screenshot(path=str(SHOTS / "6-uploaded-answer.png"), full_page=True)


def test_gradio_client_calls_the_api(server):
    from gradio_client import Client

    client = Client(server[0], verbose=False)
    out = client.predict("Where did Putin and Xi meet?", 4, "auto", api_name="/ask")
    assert "Beijing" in out["text"] and not out["refused"]
    c = out["citations"][0]
    doc = (ROOT / "seeds" / c["source"]).read_text(encoding="utf-8")
    assert doc[c["start"]:c["end"]] == c["text"]
    refused = client.predict("What is the recipe for borscht?", 4, "auto", api_name="/ask")
    assert refused["refused"] is True


def pick(page, elem_id: str, option: str) -> None:
    """Choose `option` in a Gradio dropdown (typed: a new value where custom values are allowed)."""
    box = page.locator(f"#{elem_id} input").first
    box.click()
    box.fill(option)
    page.wait_for_timeout(300)
    box.press("Enter")
    page.wait_for_timeout(800)


def test_a_new_collection_and_chosen_documents(page, tmp_path):
    notes = tmp_path / "pets.md"
    notes.write_text("# Pets\n\nOur cat Miso mostly eats tuna and chicken.\n", encoding="utf-8")
    page.reload()  # a fresh window: no file left in the upload box by the tests before
    page.wait_for_selector("#question textarea", timeout=60000)
    pick(page, "collection", "pets")
    page.get_by_role("tab", name="Documents").click()
    assert "pets.md" not in page.locator("#doc-table").inner_text()
    upload(page, notes, "to collection pets")
    assert "pets.md" in page.locator("#doc-table").inner_text()
    assert "putin-xi-beijing.txt" not in page.locator("#doc-table").inner_text()
    page.get_by_role("tab", name="Chat").click()
    ask(page, "What does Miso eat?")
    assert "tuna" in last_bot_html(page)
    assert "searched: all 1 document in collection pets" in page.locator("#evidence").inner_text()
    ask(page, "Where did Putin and Xi meet?")  # the seeds are in "default", not here
    assert "rag-refusal" in last_bot_html(page)
    page.screenshot(path=str(SHOTS / "7-collection.png"), full_page=True)

    pick(page, "collection", "default")
    pick(page, "doc-filter", "putin-xi-beijing.txt")
    ask(page, "Where did Putin and Xi meet?")
    assert "Beijing" in last_bot_html(page)
    assert "searched: putin-xi-beijing.txt" in page.locator("#evidence").inner_text()
    page.screenshot(path=str(SHOTS / "8-chosen-documents.png"), full_page=True)


def test_gradio_client_chooses_collection_and_documents(server):
    from gradio_client import Client

    from tests.conftest import SEED

    client = Client(server[0], verbose=False)
    out = client.predict("Where did Putin and Xi meet?", 4, "auto", "default", [str(SEED)], api_name="/ask")
    assert "Beijing" in out["text"] and {c["source"] for c in out["citations"]} == {SEED.name}
    with pytest.raises(Exception, match="no collection nowhere"):
        client.predict("Where did Putin and Xi meet?", 4, "auto", "nowhere", api_name="/ask")
