"""`answer_from`: the same answerers, guard and refusals as `ask`, over passages the caller brings
(their own retrieval), numbered [1..n] in the order given; no index.

    from rag import answer_from
    answer_from("Where did they meet?", ["Putin and Xi met in Beijing."]).text        # "... [1]"
"""

from __future__ import annotations

import hashlib

from rag.answer import Answer, Passage
from rag.guard.check import default_scorer, passage_texts


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
    from rag.answering.engine import FixedRetriever, answer, clean_question
    from rag.answering.extractive import ExtractiveAnswerer
    from rag.index.corpus import CorpusStats
    from rag.settings import Settings

    question = clean_question(question)
    given = passages_from_texts(passage_texts(passages))
    settings = engine.settings if engine is not None else Settings.from_env()
    scorer = scorer or (engine.scorer if engine is not None else default_scorer())
    embedder = embedder or scorer.embedder
    extractive = ExtractiveAnswerer(embedder, CorpusStats([p.text for p in given]), judge=judge)
    chosen = extractive
    if settings.wants_llm(answerer):
        from rag.llm.client import LLMAnswerer

        chosen = engine.llm if engine is not None else LLMAnswerer(settings)
    fallback = None if chosen is extractive or settings.llm_fallback == "none" else extractive
    return answer(question, retriever=FixedRetriever(given), answerer=chosen, scorer=scorer, fallback=fallback)
