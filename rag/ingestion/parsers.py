"""Text out of HTML files, with a well-kept parser (BeautifulSoup). PDF files: rag/ingestion/pdf.py.

The result reads like the page: inline markup is joined as written (no space
is added between `<code>python2.</code><em>Y</em>`), block elements become
paragraphs, list items and table rows lines of one paragraph, `<pre>` text is
indented four spaces, headings stand on lines of their own as Markdown `#`
lines (the chunker reads the result as Markdown to find sections), and
navigation, scripts, styles and Sphinx's "¶" permalinks are dropped.

Offsets of citations into such documents refer to this extracted text, which
ingestion saves beside the index (Citation.path names that file).
"""

from __future__ import annotations

import re

from rag.errors import BadInput
from rag.text import one_line

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
LISTS = ("ul", "ol", "menu")
CELLS = ("td", "th")
# Tags that end the paragraph before them and start a new one (HTML's block-level elements).
BLOCKS = frozenset(("p", "div", "section", "article", "main", "aside", "blockquote", "figure", "figcaption",
                    "address", "details", "summary", "dl", "dt", "dd", "li", "table", "caption", "thead",
                    "tbody", "tfoot", "tr", "hr", "center", "fieldset", "body", "html") + HEADINGS + LISTS)
# A page's <footer> is kept: a small site's phone number and e-mail address are often only there
# (its navigation inside is still dropped); a footer marked role="contentinfo" (a documentation
# generator's "Created using ...") is not.
DROP = ("script", "style", "noscript", "nav", "header", "form", "svg", "button", "template",
        "iframe", "head", "title")
DROP_ROLES = ("navigation", "search", "banner", "contentinfo")
PILCROW = "¶"


class _Page:
    """Walks the parsed page, gathering inline text and cutting it at block tags."""

    def __init__(self) -> None:
        self.out: list[str] = []  # each entry starts with its separator: "\n\n" or "\n" (inside a list or table)
        self.buf: list[str] = []
        self.lists: list[list[int]] = []  # one counter per open list; [-1] for an unordered one
        self.bullet = ""  # prefix for the first line of the current list item
        self.tight = False  # inside a list or table, after its first line
        self.cells = 0  # depth of table cells: blocks inside a cell stay on the row's line

    def walk(self, el) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in el.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                    self.buf.append(re.sub(r"\s+", " ", child))  # newlines in the source are spaces
            elif not isinstance(child, Tag):
                continue
            elif child.name == "br":
                self.buf.append("\n")
            elif child.name in HEADINGS:
                self.flush()
                text = one_line(child.get_text("")).rstrip(PILCROW).strip().rstrip(".:")
                if text:
                    self.out.append("\n\n" + "#" * int(child.name[1]) + " " + text)
                self.tight = False
            elif child.name == "pre":
                self.flush()
                code = child.get_text("").strip("\r\n").splitlines()  # indented: a '# comment' is not a heading
                self.emit("\n".join(("    " + x).rstrip() for x in code))
            elif child.name in CELLS:
                self.buf.append(" | " if self.cells == 0 and one_line("".join(self.buf)) else " ")
                self.cells += 1
                self.walk(child)
                self.cells -= 1
            elif child.name in LISTS or child.name == "table":
                self.flush()
                self.lists.append([0 if child.name == "ol" else -1] if child.name != "table" else [-2])
                self.walk(child)
                self.flush()
                self.lists.pop()
                self.tight = bool(self.lists)
            elif child.name == "li":
                self.flush()
                counter = self.lists[-1] if self.lists else [-1]
                if counter[0] >= 0:
                    counter[0] += 1
                self.bullet = f"{counter[0]}. " if counter[0] >= 0 else "- "
                self.walk(child)
                self.flush()
                self.bullet = ""
            elif child.name in BLOCKS and not self.cells:
                self.flush()
                self.walk(child)
                self.flush()
            else:  # inline: a, span, code, em, strong... joined exactly as written
                self.walk(child)

    def flush(self) -> None:
        lines = [one_line(x) for x in "".join(self.buf).split("\n")]
        self.buf.clear()
        text = "\n".join(x for x in lines if x).rstrip(PILCROW).rstrip()
        if text:
            self.emit(text)

    def emit(self, text: str) -> None:
        if not text.strip():
            return
        if self.lists:
            indent = "  " * sum(1 for c in self.lists if c[0] != -2)
            indent = indent[2:]  # top-level items start at the margin
            prefix, self.bullet = self.bullet or ("  " if self.lists[-1][0] != -2 else ""), ""
            pad = "\n" + indent + " " * len(prefix)
            text = indent + prefix + text.replace("\n", pad)
        self.out.append(("\n" if self.tight else "\n\n") + text)
        self.tight = bool(self.lists)

    def text(self) -> str:
        self.flush()
        return "".join(self.out).lstrip("\n")


def html_text(raw: bytes, name: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(DROP):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": DROP_ROLES}):
        tag.decompose()
    for tag in soup.select("a.headerlink"):  # Sphinx's "¶" permalinks
        tag.decompose()
    page = _Page()
    page.walk(soup.body or soup)
    text = page.text()
    if not text.strip():
        raise BadInput(f"{name} has no text")
    return text + "\n"
