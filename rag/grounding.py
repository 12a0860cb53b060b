"""`check` and `answer_from`: the grounding judgments without an index.

    from rag import check, answer_from
    check("They met in Moscow.", ["Putin and Xi met in Beijing."]).supported        # False
    answer_from("Where did they meet?", ["Putin and Xi met in Beijing."]).text        # "... [1]"

`check` is the guard's own judgment (rag.support), sentence by sentence: a text
is supported when every sentence is. `answer_from` runs the same answerers,
guard and refusals as `ask`, over passages the caller brings (their own
retrieval), numbered [1..n] in the order given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from .answer import Answer, Passage
from .errors import BadInput
from .text import sentences, strip_citations

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


def _texts(passages) -> list[str]:
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
def _scorer():
    from .embedding import make_embedder
    from .settings import Settings
    from .support import SupportScorer

    return SupportScorer(make_embedder(Settings.from_env()))


def check(text: str, passages, question: str | None = None, *, scorer=None) -> Verdict:
    """Is `text` supported by `passages`? Each sentence is judged against all of them."""
    if not isinstance(text, str) or not strip_citations(text).strip():
        raise BadInput("the text to check is empty")
    texts = _texts(passages)
    scorer = scorer or _scorer()
    plain = strip_citations(text)
    out = []
    for s in [s for s in sentences(plain) if any(c.isalnum() for c in s)] or [plain]:
        sup = scorer.score(s, texts, question)
        out.append(SentenceVerdict(s, sup.supported(), round(sup.score, 4), sup.novel, sup.quoted))
    return Verdict(all(v.supported for v in out), min(v.score for v in out), out)


def passages_from_texts(texts: list[str], source: str = "(given)") -> list[Passage]:
    """Number caller-given texts [1..n]; offsets index each text itself."""
    return [Passage(i, hashlib.sha256(t.encode("utf-8")).hexdigest()[:16], t, source, "", "", 0, len(t))
            for i, t in enumerate(texts, 1)]


def answer_from(question: str, passages, *, answerer: str | None = None, engine=None,
                scorer=None, judge=None, embedder=None) -> Answer:
    """Answer from these passage texts only (no index): same answerers, guard and refusals as `ask`.

    engine lends its settings, models and LLM client; scorer / judge / embedder
    replace the guard's checker, the answerability judge or the embedder (the
    evaluation compares judgments this way)."""
    from .engine import _Fixed, answer, clean_question
    from .extractive import CorpusStats, ExtractiveAnswerer
    from .settings import Settings

    question = clean_question(question)
    given = passages_from_texts(_texts(passages))
    settings = engine.settings if engine is not None else Settings.from_env()
    scorer = scorer or (engine.scorer if engine is not None else _scorer())
    embedder = embedder or scorer.embedder
    extractive = ExtractiveAnswerer(embedder, CorpusStats([p.text for p in given]), judge=judge)
    chosen = extractive
    if settings.wants_llm(answerer):
        from .llm import LLMAnswerer

        chosen = engine.llm if engine is not None else LLMAnswerer(settings)
    fallback = None if chosen is extractive or settings.llm_fallback == "none" else extractive
    return answer(question, retriever=_Fixed(given), answerer=chosen, scorer=scorer, fallback=fallback)
