"""Extracted text reads like the page: HTML (a real Debian page), PDF and Markdown."""

import re
from pathlib import Path

import pytest

from rag.ingestion.chunking import chunk, sections
from rag.ingestion.documents import load
from rag.ingestion.parsers import html_text
from rag.ingestion.pdf import join_pages, reflow
from tests.conftest import make_pdf

DATA = Path(__file__).parent / "data"
POLICY = DATA / "debian-python-policy.html"  # a real Sphinx page from Debian (see tests/data/README.md)


def test_a_real_debian_html_page_reads_like_the_page(tmp_path):
    doc = load([POLICY], tmp_path / "extracted")[0]
    chunks = chunk(doc)
    assert len(chunks) > 20
    saved = open(chunks[0].text_path, encoding="utf-8").read()
    for c in chunks:
        assert saved[c.start:c.end] == c.text
        assert " ," not in c.text and not re.search(r" \.(\s|$)", c.text)  # no space before punctuation
        assert "¶" not in c.text and "¶" not in c.heading
        assert "python2. Y" not in c.text and "pythonX. Y" not in c.text
    text = doc.text
    # inline markup joined as written
    assert "the binary packages python, python-minimal, python-dev, python-dbg and python-doc are removed" in text
    assert "the python2.Y package that installs the executable /usr/bin/python2." in text
    assert "/usr/local/lib/python2.Y/dist-packages for Python 2." in text
    # headings kept as headings, numbered as on the page, without permalinks
    headings = {c.heading for c in chunks}
    assert {"1. Copyright", "2.1. Removal of the unversioned packages", "3.5.1. Interpreter Name"} <= headings
    assert "### 2.1. Removal of the unversioned packages\n\nStarting with" in text
    # paragraphs are blocks; soft line breaks in the HTML source are spaces
    assert "packaging of Python within the Debian GNU/Linux distribution" in text
    # lists read as lists; code stays code
    assert "\n- Neil Schemenauer <nas@debian.org>\n- Matthias Klose <doko@debian.org>\n" in text
    assert "\n    import foo\n" in text
    # navigation, scripts, sidebar and footer are gone
    for noise in ("Navigation", "Quick search", "Created using", "»", "documentation_options"):
        assert noise not in text


def test_html_blocks_lists_tables_and_line_breaks():
    page = (b"<body><header>Site</header><div role='navigation'>Home | About</div>"
            b"<h2>Ports <a class='headerlink' href='#p'>\xc2\xb6</a></h2>"
            b"<div>Use <code>--port</code>, or <em>set</em> <code>RAG_UI_PORT</code>.</div>"
            b"<p>First line<br>second line</p>"
            b"<ol><li><p>one</p></li><li>two<ul><li>nested</li></ul></li></ol>"
            b"<table><tr><th>Name</th><th>Value</th></tr><tr><td><p>port</p></td><td>7860</td></tr></table>"
            b"<pre># not a heading\n  indented\n</pre><p>End.</p><!-- a comment --></body>")
    text = html_text(page, "x.html")
    assert text == ("## Ports\n\n"
                    "Use --port, or set RAG_UI_PORT.\n\n"
                    "First line\nsecond line\n\n"
                    "1. one\n2. two\n  - nested\n\n"
                    "Name | Value\nport | 7860\n\n"
                    "    # not a heading\n      indented\n\n"
                    "End.\n")
    assert [s.heading for s in sections(text, markdown=True)] == ["Ports"]


def test_pdf_lines_are_reflowed_and_hyphenation_joined(tmp_path):
    page = ("Camelid care\n"
            "Alpacas are smaller than llamas and are kept mainly for their fine fleece, which is exam-\n"
            "ined each spring before shearing. Llamas are larger and often work as guard animals for\n"
            "herds of sheep, with a well-known temper.\n"
            "Both need a dry shelter and fresh water every day.\n")
    assert reflow(page.split("\n")) == [
        "Camelid care",
        "Alpacas are smaller than llamas and are kept mainly for their fine fleece, which is examined each "
        "spring before shearing. Llamas are larger and often work as guard animals for herds of sheep, "
        "with a well-known temper.",
        "Both need a dry shelter and fresh water every day."]
    # a paragraph that runs on to the next page is one paragraph
    assert join_pages([["Heading", "The herd moves to the upper pas-"], ["tures in May.", "Next."]]) == [
        "Heading", "The herd moves to the upper pastures in May.", "Next."]


def test_a_generated_pdf_is_extracted_as_paragraphs(tmp_path):
    pytest.importorskip("pypdf")
    lines = ["Camelid care",
             "Alpacas are smaller than llamas and are kept mainly for their fine fleece, which is exam-",
             "ined each spring before shearing. Llamas are larger and often work as guard animals for",
             "herds of sheep.",
             "Both need a dry shelter and fresh water every day."]
    pdf = make_pdf(tmp_path / "camelids.pdf", lines)
    doc = load([pdf], tmp_path / "extracted")[0]
    assert "which is examined each spring before shearing. Llamas are larger" in doc.text
    assert "animals for herds of sheep." in doc.text
    chunks = chunk(doc)
    assert [c.heading for c in chunks] == ["Camelid care"]
    assert chunks[0].text.endswith("fresh water every day.")


def test_markdown_headings_stay_headings(tmp_path):
    md = tmp_path / "guide.md"
    md.write_text("Intro text before any heading.\n"
                  "# Install\nRun the installer first.\nIt takes a minute.\n\n"
                  "Usage\n=====\n\nCall it like this:\n\n```\n# a comment in code, not a heading\nrag ask\n```\n\n"
                  "## Options ##\n- Short item\n- Another item\n\nClosing words\n", encoding="utf-8")
    chunks = chunk(load([md])[0])
    text = md.read_text(encoding="utf-8")
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert [(c.heading, c.text) for c in chunks] == [
        ("", "Intro text before any heading."),
        ("Install", "Run the installer first.\nIt takes a minute."),
        ("Usage", "Call it like this:\n\n```\n# a comment in code, not a heading\nrag ask\n```"),
        ("Options", "- Short item\n- Another item\n\nClosing words")]
