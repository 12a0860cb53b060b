"""The result types: Passage (retrieved), Citation (cited), Answer, and an answerer's Draft."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rag.lexicon import REFUSAL_RE


# Where a passage's text came from, beyond its file: "ocr" (read from a scanned page), and a web
# page's "url", "outlet", "author" and "published" date (rag.ingestion.web). Kept on its chunks.
ORIGIN_KEYS = ("ocr", "url", "outlet", "author", "published")


def dateline(origin) -> str:
    """A web page's outlet and date as a citation shows them ("Harbour Gazette, 2024-05-15"), or ""."""
    o = dict(origin)
    return ", ".join(str(o[k]) for k in ("outlet", "published") if o.get(k))


def origin_of(meta: dict) -> tuple:
    """A chunk's metadata -> a Passage's origin: the ORIGIN_KEYS it has, as (key, value) pairs."""
    return tuple((k, meta[k]) for k in ORIGIN_KEYS if meta.get(k))


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, numbered [n] in retrieval order."""

    number: int
    id: str
    text: str  # verbatim: open(path).read()[start:end]
    source: str  # file name
    path: str
    heading: str
    start: int
    end: int
    score: float = 0.0
    page: int | None = None  # in a PDF: the page the passage starts on
    title: str = ""  # the title of its document (rag.ingestion.chunking.title_of)
    origin: tuple = ()  # ("ocr", True) when read from a scan; a web page's url, outlet, author, published

    @property
    def context(self) -> str:
        """Its title and heading, as a line ("Heron 2.4 release notes › Breaking changes"), or "";
        a web page's title with its outlet and date ("Bridge to close (Harbour Gazette, 2024-05-15)"),
        so that an answer may say as of when."""
        dated = dateline(self.origin)
        title = f"{self.title} ({dated})" if dated and self.title else self.title
        return " › ".join(dict.fromkeys(x for x in (title, self.heading) if x))

    @property
    def evidence(self) -> str:
        """What the passage says, read under its title and heading: what checks of support and
        coverage compare with (the heading is no part of `text`, whose offsets are exact)."""
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass(frozen=True)
class Citation:
    number: int
    text: str
    source: str
    start: int
    end: int
    heading: str = ""
    path: str = ""
    page: int | None = None  # in a PDF: the page the passage starts on
    origin: tuple = ()  # as its Passage's: read by OCR; a web page's url, outlet, author, published

    @classmethod
    def of(cls, p: Passage) -> "Citation":
        return cls(p.number, p.text, p.source, p.start, p.end, p.heading, p.path, p.page, p.origin)

    @property
    def ocr(self) -> bool:
        return bool(dict(self.origin).get("ocr"))


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    unsupported: list[str] = field(default_factory=list)
    # Beyond the contract: what the UI and the evaluation look at.
    question: str = ""  # the standalone question actually answered
    passages: list[Passage] = field(default_factory=list)
    answerer: str = ""
    recited: list[str] = field(default_factory=list)  # kept sentences the guard moved to the passage supporting them
    notice: str = ""  # e.g. how to enable generated answers, or a fallback that happened
    timings_ms: dict[str, float] = field(default_factory=dict)
    searched: list[str] = field(default_factory=list)  # the documents (paths) searched, when chosen; empty: all

    def to_json(self) -> dict:
        """Exactly the contract's fields, as `rag ask --json` prints them, and where a citation is
        from beyond them: a PDF's "page", "ocr" for a scan, a web page's "url", "outlet", "published"."""
        return {
            "text": self.text,
            "citations": [
                {k: v for k, v in asdict(c).items() if k in ("number", "text", "source", "start", "end")}
                | ({"page": c.page} if c.page is not None else {}) | dict(c.origin)
                for c in self.citations
            ],
            "refused": self.refused,
            "unsupported": list(self.unsupported),
        }


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool = False
    reason: str = ""


def refusal(question: str, reason: str = "") -> Draft:
    why = f" ({reason})" if reason else ""
    return Draft(f"The documents don't say{why}. Nothing in the indexed text answers: “{question.strip()}”",
                 refused=True, reason=reason)


def is_refusal(text: str) -> bool:
    """Whether an answer's text opens as a refusal ("The documents don't say", "I cannot find ...")."""
    return bool(REFUSAL_RE.match(text))
