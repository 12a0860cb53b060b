"""`check`: the guard's own judgment (rag.guard.support) for any text, e.g. another system's answer.

    from rag import check
    check("They met in Moscow.", ["Putin and Xi met in Beijing."]).supported        # False

Sentence by sentence, each against all the passages: a text is supported when every sentence is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rag.answer import Passage
from rag.errors import BadInput
from rag.text import sentences, strip_citations

MAX_PASSAGES = 50


@dataclass(frozen=True)
class SentenceVerdict:
    text: str
    supported: bool
    score: float  # the checker's probability of support
    novel: tuple[str, ...] = ()  # numbers / names no passage has
    quoted: bool = False  # found verbatim in a passage


@dataclass(frozen=True)
class Verdict:
    supported: bool
    score: float  # the weakest sentence's score
    sentences: list[SentenceVerdict] = field(default_factory=list)


def passage_texts(passages) -> list[str]:
    """Caller-given passages (strings or Passages) as texts; BadInput when there are none, too many or not text."""
    if isinstance(passages, str):
        passages = [passages]
    try:
        texts = [p.text if isinstance(p, Passage) else p for p in passages]
    except TypeError:
        raise BadInput(f"passages must be a list of strings, got {type(passages).__name__}") from None
    if not all(isinstance(t, str) for t in texts):
        raise BadInput("passages must be a list of strings")
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise BadInput("no passages given: pass at least one non-empty passage text")
    if len(texts) > MAX_PASSAGES:
        raise BadInput(f"{len(texts)} passages given; the limit is {MAX_PASSAGES}")
    return texts


@lru_cache(maxsize=1)
def default_scorer():
    from rag.guard.support import SupportScorer
    from rag.ingestion.embedding import make_embedder
    from rag.settings import Settings

    return SupportScorer(make_embedder(Settings.from_env()))


def check(text: str, passages, question: str | None = None, *, scorer=None) -> Verdict:
    """Is `text` supported by `passages`? Each sentence is judged against all of them."""
    if not isinstance(text, str) or not strip_citations(text).strip():
        raise BadInput("the text to check is empty")
    texts = passage_texts(passages)
    scorer = scorer or default_scorer()
    plain = strip_citations(text)
    out = []
    for s in [s for s in sentences(plain) if any(c.isalnum() for c in s)] or [plain]:
        sup = scorer.score(s, texts, question)
        out.append(SentenceVerdict(s, sup.supported(), round(sup.score, 4), sup.novel, sup.quoted))
    return Verdict(all(v.supported for v in out), min(v.score for v in out), out)
