"""The result types: Passage (retrieved), Citation (cited), Answer, and an answerer's Draft."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rag.lexicon import REFUSAL_RE


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

    @property
    def context(self) -> str:
        """Its title and heading, as a line ("Heron 2.4 release notes › Breaking changes"), or ""."""
        return " › ".join(dict.fromkeys(x for x in (self.title, self.heading) if x))

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

    @classmethod
    def of(cls, p: Passage) -> "Citation":
        return cls(p.number, p.text, p.source, p.start, p.end, p.heading, p.path, p.page)


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
        """Exactly the contract's fields, as `rag ask --json` prints them, and a PDF citation's "page"."""
        return {
            "text": self.text,
            "citations": [
                {k: v for k, v in asdict(c).items() if k in ("number", "text", "source", "start", "end")}
                | ({"page": c.page} if c.page is not None else {})
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
