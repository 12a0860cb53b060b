"""Web pages by link: `rag ingest URL`, the window's "Add a link" and `rag sync --links`, over pages
served from a local HTTP server on 127.0.0.1 (no other address is contacted). A saved news page
with navigation, adverts and a footer keeps only its story, its title, outlet and date; links to
private addresses are refused when the window is served to others, redirects included."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.errors import BadInput
from rag.ingestion import web
from rag.settings import Settings
from tests.conftest import ROOT
from tests.test_integration_core import run_cli

NEWS = (ROOT / "tests" / "data" / "news-page.html").read_bytes()
STORY = "http://127.0.0.1:{port}/news/bridge"


class Pages(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        status, headers, body = route
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}"
    Pages.routes = {
        "/news/bridge": (200, {"Content-Type": "text/html; charset=utf-8"}, NEWS),
        "/old-link": (301, {"Location": "/news/bridge"}, b""),
        "/empty": (200, {"Content-Type": "text/html"}, b"<html><body><nav><a href='/'>Home</a></nav></body></html>"),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG"),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"},
                      f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title>
                      <link>{base}/</link><item><title>Bridge</title><link>{base}/news/bridge</link></item>
                      </channel></rss>""".encode()),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_a_news_page_by_link_keeps_only_its_story_title_and_date(site, tmp_path):
    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_COLLECTION": "news"}
    r = run_cli("ingest", f"{site}/news/bridge", env_extra=env)
    assert r.returncode == 0, r.stderr
    [saved] = (tmp_path / "data" / "web").glob("*.txt")
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("Old swing bridge to close for six weeks of repairs\n\n")
    assert "turning gear is replaced" in text and "could be stuck open for months" in text
    for chrome in ("cookies", "Subscribe", "ADVERTISEMENT", "Holiday Parks", "Copyright", "Privacy", "Most read",
                   "Seal pup"):
        assert chrome not in text, chrome
    r = run_cli("ask", "--json", "--collection", "news", "When will the swing bridge close?", env_extra=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert not out["refused"] and "3 June" in out["text"]
    [c] = out["citations"][:1]
    assert (c["outlet"], c["published"], c["url"]) == ("Harbour Gazette", "2024-05-15", f"{site}/news/bridge")
    r = run_cli("ask", "--collection", "news", "When will the swing bridge close?", env_extra=env)
    assert "Harbour Gazette, 2024-05-15" in r.stdout  # the date shown with the answer's source


def test_the_window_adds_a_link_and_shows_its_date(site, tmp_path):
    from rag.answering.engine import Engine
    from ui.render import evidence_html
    from ui.window import Window

    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data")}))
    window = Window(engine)
    status, *_ = window.add_link(f"{site}/old-link", "news", progress=lambda *a, **k: None)  # a redirect, followed
    assert status.startswith("Added “Old swing bridge to close for six weeks of repairs” (Harbour Gazette, 2024-05-15)")
    a = engine.for_collection("news").ask("How much will the bridge repairs cost?")
    assert "1.8 million pounds" in a.text
    assert "Harbour Gazette · Mira Okafor · published 2024-05-15" in evidence_html(a, 0, 1)


def test_a_window_served_to_others_refuses_private_addresses_even_by_redirect(site, tmp_path, monkeypatch):
    from unittest import mock

    import gradio as gr

    from rag.answering.engine import Engine
    from ui.app import served_to_others
    from ui.window import Window

    assert served_to_others("0.0.0.0", None) and served_to_others("127.0.0.1", ("a", "b"))
    assert not served_to_others("127.0.0.1", None) and not served_to_others("localhost", None)
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data")}))
    with mock.patch.object(gr, "Warning") as warning:
        status, *_ = Window(engine, public=True).add_link(f"{site}/news/bridge", "news", progress=lambda *a, **k: None)
    assert "private, loopback or link-local address (127.0.0.1)" in status and warning.called
    for url in ("http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]:80/",
                "http://localhost/", "http://0.0.0.0/"):
        with pytest.raises(BadInput, match="private, loopback or link-local"):
            web._checked(url, allow_private=False)
    for url, needle in (("http://user:pw@example.org/", "user name or password"), ("file:///etc/passwd", "only http"),
                        ("http://127.0.0.1\\@example.org/", "odd characters"), ("gopher://x/", "only http")):
        with pytest.raises(BadInput, match=needle):
            web._checked(url, allow_private=True)
    # every redirect is checked again: a public first hop cannot hand the fetch to a private one
    seen = []
    real = web._checked

    def checked(url, allow_private):
        seen.append(url)
        return real(url, allow_private=len(seen) == 1)  # the first hop passes, as a public one would

    monkeypatch.setattr(web, "_checked", checked)
    with pytest.raises(BadInput, match="private, loopback or link-local"):
        web.fetch(f"{site}/old-link", allow_private=False)
    assert seen == [f"{site}/old-link", f"{site}/news/bridge"]
    monkeypatch.setattr(web, "_checked", real)
    allowed = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_ALLOW_PRIVATE_LINKS": "1"})
    status, *_ = Window(Engine(allowed), public=True).add_link(f"{site}/news/bridge", "news", progress=lambda *a, **k: None)
    assert status.startswith("Added")


def test_bad_links_are_one_clear_line_and_write_nothing(site, tmp_path):
    from tests.conftest import free_closed_port

    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_COLLECTION": "news"}
    closed = free_closed_port()
    for url, needle in ((f"http://127.0.0.1:{closed}/", "does not answer"), (f"{site}/missing", "answered 404"),
                        (f"{site}/empty", "has no main text"), (f"{site}/image.png", "is not a web page (image/png)")):
        r = run_cli("ingest", url, env_extra=env)
        assert r.returncode == 2 and needle in r.stderr, (url, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "data" / "web").exists() or not list((tmp_path / "data" / "web").iterdir())


def test_sync_follows_a_list_of_links_or_a_feed(site, tmp_path):
    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_COLLECTION": "news"}
    links = tmp_path / "links.txt"
    links.write_text(f"# the stories to follow\n{site}/news/bridge\n{site}/missing\n", encoding="utf-8")
    r = run_cli("sync", "--links", str(links), env_extra=env)
    assert r.returncode == 1 and f"skipped {site}/missing" in r.stderr and "1 page(s)" in r.stdout, r.stderr
    r = run_cli("sync", "--links", f"{site}/feed.xml", env_extra=env)
    assert r.returncode == 0 and "1 page(s)" in r.stdout and "0 chunk(s) added" in r.stdout, (r.stdout, r.stderr)
    assert web.links_in(f"{site}/feed.xml") == [f"{site}/news/bridge"]  # the channel's own link is no story
    atom = tmp_path / "feed.atom"  # an Atom feed: the feed's own links (the site, itself) are no stories
    atom.write_text(f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour Gazette</title>
        <link href="{site}/" rel="alternate"/><link href="{site}/feed.atom" rel="self"/>
        <entry><title>Bridge</title><link href="{site}/news/bridge"/><link rel="edit" href="{site}/edit/1"/></entry>
        </feed>""", encoding="utf-8")
    assert web.links_in(str(atom)) == [f"{site}/news/bridge"]
    r = run_cli("sources", "--collection", "news", env_extra=env)
    assert r.stdout.count("old-swing-bridge") == 1


@pytest.mark.integration
def test_add_a_link_in_the_real_window_and_ask_about_the_page(site, tmp_path):
    """The Documents tab's link box, in headless Chromium: the page is added to a new collection,
    and its answer's evidence shows the outlet and the date."""
    from rag.answering.engine import Engine
    from rag.llm.local_server import free_port
    from tests.test_ui_browser import SHOTS, ask, last_bot_html, pick, window_page
    from ui.app import launch

    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data")}))
    port = free_port()
    app = launch(port=port, engine=engine, block=False)  # on loopback: local links are the user's own
    try:
        with window_page(f"http://127.0.0.1:{port}/") as page:
            pick(page, "collection", "news")
            page.get_by_role("tab", name="Documents").click()
            page.fill("#link textarea", f"{site}/news/bridge")
            page.click("#add-link")
            page.wait_for_function("() => document.querySelector('#doc-status').innerText.includes('Added')",
                                   timeout=60000)
            assert "Harbour Gazette, 2024-05-15" in page.locator("#doc-status").inner_text()
            assert "old-swing-bridge" in page.locator("#doc-table").inner_text()
            assert page.locator("#link textarea").input_value() == ""  # the box is emptied
            page.get_by_role("tab", name="Chat").click()
            ask(page, "When will the swing bridge close?")
            assert "3 June" in last_bot_html(page)
            evidence = page.locator("#evidence").inner_text()
            assert "Harbour Gazette" in evidence and "published 2024-05-15" in evidence
            page.screenshot(path=str(SHOTS / "16-web-page.png"), full_page=True)
    finally:
        app.close()
