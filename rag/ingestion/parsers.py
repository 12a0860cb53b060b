"""Text out of HTML and PDF files, with well-kept parsers (BeautifulSoup, pypdf).

The result reads like the page: inline markup is joined as written (no space
is added between `<code>python2.</code><em>Y</em>`), block elements become
paragraphs, list items and table rows lines of one paragraph, `<pre>` text is
indented four spaces, headings stand on lines of their own as Markdown `#`
lines (the chunker reads the result as Markdown to find sections), and
navigation, scripts, styles and Sphinx's "¶" permalinks are dropped. PDF text
has words hyphenated at line ends joined and soft line breaks reflowed, and
where each page starts in it is kept (citations name their page).

Offsets of citations into such documents refer to this extracted text, which
ingestion saves beside the index (Citation.path names that file).
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.errors import BadInput

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


def _line(text: str) -> str:
    """HTML whitespace: any run of spaces, tabs and newlines is one space."""
    return re.sub(r"\s+", " ", text).strip()


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
                text = _line(child.get_text("")).rstrip(PILCROW).strip().rstrip(".:")
                if text:
                    self.out.append("\n\n" + "#" * int(child.name[1]) + " " + text)
                self.tight = False
            elif child.name == "pre":
                self.flush()
                code = child.get_text("").strip("\r\n").splitlines()  # indented: a '# comment' is not a heading
                self.emit("\n".join(("    " + x).rstrip() for x in code))
            elif child.name in CELLS:
                self.buf.append(" | " if self.cells == 0 and _line("".join(self.buf)) else " ")
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
        lines = [_line(x) for x in "".join(self.buf).split("\n")]
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


def reflow(page: str) -> list[str]:
    """One page of PDF text as paragraphs: a word hyphenated at a line end is joined,
    other line breaks inside a paragraph become spaces. A paragraph ends at a blank
    line, after a short line (the last line of a paragraph, or a heading), or before
    a bullet."""
    lines = [_line(x) for x in page.split("\n")]
    lengths = sorted(len(x) for x in lines if x)
    width = lengths[int(len(lengths) * 0.75)] if lengths else 0
    paragraphs: list[str] = []
    current = ""
    prev = ""
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
            if i == 0 and out and para[0].islower():
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


def pdf_pages(path: Path) -> tuple[str, tuple[int, ...]]:
    """The PDF's text and the offset in it where each page starts (page n at index n - 1)."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    encrypted = f"{path.name} is encrypted; decrypt it first"
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:  # "" opens owner-only locks
            raise BadInput(encrypted)
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DependencyError:  # an AES lock, which pypdf opens only with `cryptography` installed
        raise BadInput(encrypted) from None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise BadInput(f"{path.name} is not a readable PDF ({type(exc).__name__})") from None
    marks: list[tuple[int, int]] = []
    paragraphs = join_pages([reflow(page) for page in pages], marks)
    if not paragraphs:
        raise BadInput(f"{path.name} has no extractable text (a scanned PDF needs OCR first)")
    at = [0]
    for para in paragraphs:
        at.append(at[-1] + len(para) + 2)  # paragraphs are joined by a blank line
    return "\n\n".join(paragraphs) + "\n", tuple(at[i] + offset for i, offset in marks)
