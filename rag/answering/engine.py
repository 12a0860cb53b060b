"""One question through the pipeline: condense -> retrieve -> draft -> guard -> fallback -> Answer.

`answer()` takes its parts as arguments (tests and the evaluation inject fakes
or alternatives); `Engine` builds the real parts from Settings once and keeps
them warm; `ask()` and `Chat` in rag/__init__ are thin conveniences over it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Generator, Iterator, Protocol

from rag.answer import Answer, Draft, Passage, refusal
from rag.answering.answerable import default_judge
from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.followup import condense_offline
from rag.answering.inputs import clean_question
from rag.errors import BackendUnavailable
from rag.guard.policy import Guard
from rag.guard.rules import GuardRules
from rag.guard.support import SupportScorer
from rag.guard.verify import complete_sentences
from rag.index.corpus import CorpusStats
from rag.settings import Settings

OFFLINE_NOTICE = ("Offline extractive mode: answers are sentences quoted from the documents. "
                  "For generated answers set OPENAI_API_KEY, or RAG_LLM_BASE_URL and RAG_LLM_MODEL "
                  "for an OpenAI-compatible server.")


class Retriever(Protocol):
    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]: ...


class Answerer(Protocol):
    name: str

    def draft(self, question: str, passages: list[Passage]) -> Draft: ...


class AnswerStream:
    """Iterate for the answer's text as it is produced (verified sentence by sentence);
    `.answer` holds the final Answer once the iteration has finished."""

    def __init__(self, steps: Iterator[str]) -> None:
        self._steps = steps
        self.answer: Answer | None = None

    def __iter__(self) -> Generator[str, None, Answer]:
        self.answer = yield from self._steps
        return self.answer

    def result(self) -> Answer:
        """Drain the stream (if not done yet) and return the Answer."""
        if self.answer is None:
            for _ in self:
                pass
        return self.answer


def answer_steps(question: str, *, retriever: Retriever, answerer: Answerer, scorer: SupportScorer,
                 top_k: int | None = None, standalone: str | None = None,
                 fallback: Answerer | None = None) -> Generator[str, None, Answer]:
    """The pipeline as a generator, retrieve -> draft -> guard -> fallback: yields the text that the
    guard lets through as it is ready, returns the Answer.

    With an answerer that streams (the LLM), each sentence is guarded as soon as it is complete,
    so unsupported text is never shown. When the answerer fails (BackendUnavailable) or the guard
    removes every sentence, `fallback` (the extractive answerer) answers instead and Answer.notice
    says so; unless what the guard removed was made up (Guard.invented): then it is a refusal.
    """
    question = clean_question(question)
    asked = standalone or question
    t0 = time.perf_counter()
    passages = retriever.retrieve(asked, top_k)
    t1 = time.perf_counter()
    guard = Guard(asked, passages, scorer)
    streams = hasattr(answerer, "stream")

    def timings() -> dict[str, float]:
        return {"retrieve": (t1 - t0) * 1e3, "answer": (time.perf_counter() - t1 - guard.seconds) * 1e3,
                "verify": guard.seconds * 1e3}

    try:
        if not passages:
            guard.take(refusal(asked, "nothing is indexed"))
        elif streams:
            yield from guard.stream(complete_sentences(answerer.stream(asked, passages)))
        else:
            guard.take(answerer.draft(asked, passages))
    except BackendUnavailable as exc:
        if fallback is None:
            raise
        failed = Answer("", unsupported=guard.unsupported, timings_ms=timings())
        notice = f"{exc}; answered offline by quoting the documents instead."
        return (yield from _fall_back(asked, passages, fallback, scorer, failed, notice, t0))
    result = Answer(guard.text, guard.citations, guard.refused, guard.unsupported, question=asked,
                    passages=guard.numbering.passages(passages), answerer=answerer.name, recited=guard.recited,
                    timings_ms=timings())
    if guard.removed_all:
        invented = guard.invented
        if invented:  # the model had to make up what it was asked for: the documents do not hold it
            # the offline judge's reason when it refuses too ("they never mention Ada Lovelace") says more
            offline = fallback.draft(asked, passages) if fallback is not None else None
            result.text = (offline.text if offline is not None and offline.refused else
                           refusal(asked, f"the model's answer gave {', '.join(invented)}, which no passage holds").text)
        elif fallback is not None:
            notice = "None of the model's sentences was supported by its sources; quoting the documents instead."
            return (yield from _fall_back(asked, passages, fallback, scorer, result, notice, t0))
        else:
            result.text = refusal(asked, "no sentence of the draft was supported by its sources").text
        result.refused = True
    if result.refused or not streams:
        yield result.text
    result.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return result


def _fall_back(asked, passages, fallback, scorer, failed: Answer, notice: str, t0: float):
    again = answer_steps(asked, retriever=FixedRetriever(passages), answerer=fallback, scorer=scorer)
    result = yield from again
    result.unsupported = failed.unsupported + result.unsupported
    result.notice = notice
    for stage in ("answer", "verify"):  # the failed attempt's time counts too
        result.timings_ms[stage] += failed.timings_ms.get(stage, 0.0)
    result.timings_ms["retrieve"] = failed.timings_ms.get("retrieve", result.timings_ms["retrieve"])
    result.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return result


class FixedRetriever:
    """A retriever that returns passages already retrieved (for the fallback answerer)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        return self.passages


def answer(question: str, **parts) -> Answer:
    """Answer a (standalone) question; every step's time lands in Answer.timings_ms."""
    return AnswerStream(answer_steps(question, **parts)).result()


class Engine:
    """The real parts, built once from Settings: store, retriever, answerers, scorer."""

    def __init__(self, settings: Settings | None = None, *, ensure_seeds: bool = True, llm: Answerer | None = None,
                 rules: GuardRules | None = None) -> None:
        """`llm`: the LLM answerer to use instead of one built from the settings (the evaluation
        replays recorded drafts through one); `rules`: the guard's rule families (all on)."""
        from rag.index.derived import Derived
        from rag.index.store import Store
        from rag.ingestion.embedding import make_embedder
        from rag.retrieval import HybridRetriever

        self.settings = settings or Settings.from_env()
        self.embedder = make_embedder(self.settings)
        self.store = Store(self.settings, self.embedder)
        if ensure_seeds and self.store.count() == 0:
            self.ingest_seeds()
        self.derived = Derived(self.store)  # BM25 and corpus statistics, shared by retriever and answerer
        self.retriever = HybridRetriever(self.store, self.settings.top_k, self.derived)
        self.scorer = SupportScorer(self.embedder, rules=rules)  # the guard's checker
        self.judge = default_judge()  # answer or refuse (offline answerer)
        self._llm = llm

    def ingest_seeds(self) -> None:
        from rag.index.store import tqdm_progress
        from rag.ingestion.documents import load

        seeds = self.settings.seeds_dir
        if not seeds.is_dir():
            from rag.errors import IndexNotBuilt

            raise IndexNotBuilt(f"the index in {self.settings.index_location} is empty and the seeds folder {seeds} is missing; "
                                f"run `rag ingest PATH` or set RAG_SEEDS_DIR")
        self.store.sync(load([seeds], Path(self.settings.data_dir) / "extracted"),
                        progress=tqdm_progress("indexing seeds"))

    @property
    def stats(self) -> CorpusStats:
        return self.derived.current().stats

    @property
    def llm(self):
        if self._llm is None:
            from rag.llm.client import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def answerer(self, choice: str | None = None, stats: CorpusStats | None = None) -> Answerer:
        if self.settings.wants_llm(choice):
            return self.llm
        return ExtractiveAnswerer(self.embedder, stats or self.stats, judge=self.judge)

    def _condense(self, chosen, question: str, history) -> str:
        if not history:
            return question
        condense = getattr(chosen, "condense", None)
        if condense is not None:
            try:
                return condense(question, history)
            except BackendUnavailable:
                if self.settings.llm_fallback == "none":
                    raise
        return condense_offline(question, history)

    def ask_stream(self, question: str, history: list[tuple[str, str]] | None = None, *,
                   answerer: str | None = None, top_k: int | None = None) -> AnswerStream:
        """Like ask(), but iterate for the verified text as it is produced; then `.answer`."""
        question = clean_question(question)
        snap = self.derived.current()  # the one look at the index per question
        chosen = self.answerer(answerer, snap.stats)
        standalone = self._condense(chosen, question, history)
        extractive = chosen.name == "extractive"
        fallback = None if extractive or self.settings.llm_fallback == "none" else self.answerer("extractive", snap.stats)
        steps = answer_steps(question, retriever=self.retriever.at(snap), answerer=chosen, scorer=self.scorer,
                             top_k=top_k, standalone=standalone, fallback=fallback)

        def with_notice():
            result = yield from steps
            if extractive:
                result.notice = OFFLINE_NOTICE
            return result

        return AnswerStream(with_notice())

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, *,
            answerer: str | None = None, top_k: int | None = None) -> Answer:
        return self.ask_stream(question, history, answerer=answerer, top_k=top_k).result()
