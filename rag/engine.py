"""One question through the pipeline: condense -> retrieve -> draft -> verify -> Answer.

`answer()` takes its parts as arguments (tests and the evaluation inject fakes
or alternatives); `Engine` builds the real parts from Settings once and keeps
them warm; `ask()` and `Chat` in rag/__init__ are thin conveniences over it.
"""

from __future__ import annotations

import re
import time
from typing import Protocol

from .answer import Answer, Passage
from .errors import BackendUnavailable, BadInput
from .extractive import CorpusStats, Draft, ExtractiveAnswerer, refusal
from .followup import condense_offline
from .settings import Settings
from .support import SupportScorer
from .verify import verify

MAX_QUESTION_CHARS = 2000
OFFLINE_NOTICE = ("Offline extractive mode: answers are sentences quoted from the documents. "
                  "For generated answers set OPENAI_API_KEY, or RAG_LLM_BASE_URL and RAG_LLM_MODEL "
                  "for an OpenAI-compatible server.")


class Retriever(Protocol):
    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]: ...


class Answerer(Protocol):
    name: str

    def draft(self, question: str, passages: list[Passage]) -> Draft: ...


def clean_question(question: object) -> str:
    if not isinstance(question, str):
        raise BadInput(f"the question must be text, got {type(question).__name__}")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question)
    text = " ".join(text.split())
    if not text:
        raise BadInput("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadInput(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text


def answer(question: str, *, retriever: Retriever, answerer: Answerer, scorer: SupportScorer,
           top_k: int | None = None, standalone: str | None = None) -> Answer:
    """Answer a (standalone) question; every step's time lands in Answer.timings_ms."""
    question = clean_question(question)
    asked = standalone or question
    t0 = time.perf_counter()
    passages = retriever.retrieve(asked, top_k)
    t1 = time.perf_counter()
    draft = answerer.draft(asked, passages) if passages else refusal(asked, "nothing is indexed")
    t2 = time.perf_counter()
    result = Answer(draft.text, refused=draft.refused, question=asked, passages=passages,
                    answerer=answerer.name)
    if not draft.refused:
        checked = verify(draft.text, passages, scorer)
        result.unsupported = checked.unsupported
        if checked.citations:
            result.text, result.citations = checked.text, checked.citations
        else:  # the guard removed every sentence
            result.text = refusal(asked, "no sentence of the draft was supported by its sources").text
            result.refused = True
    t3 = time.perf_counter()
    result.timings_ms = {"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1) * 1e3,
                         "verify": (t3 - t2) * 1e3, "total": (t3 - t0) * 1e3}
    return result


class Engine:
    """The real parts, built once from Settings: store, retriever, answerers, scorer."""

    def __init__(self, settings: Settings | None = None, *, ensure_seeds: bool = True) -> None:
        from .embedding import make_embedder
        from .retrieval import HybridRetriever
        from .store import Store

        self.settings = settings or Settings.from_env()
        self.embedder = make_embedder(self.settings)
        self.store = Store(self.settings, self.embedder)
        if ensure_seeds and self.store.count() == 0:
            self.ingest_seeds()
        self.retriever = HybridRetriever(self.store, self.settings.top_k)
        self.scorer = SupportScorer(self.embedder)
        self._stats: tuple[int, CorpusStats] | None = None
        self._llm = None

    def ingest_seeds(self) -> None:
        from .documents import load
        from .store import tqdm_progress

        seeds = self.settings.seeds_dir
        if not seeds.is_dir():
            from .errors import IndexNotBuilt

            raise IndexNotBuilt(f"the index is empty and the seeds folder {seeds} is missing; "
                                f"run `rag ingest PATH` or set RAG_SEEDS_DIR")
        self.store.sync(load([seeds]), progress=tqdm_progress("indexing seeds"))

    @property
    def stats(self) -> CorpusStats:
        version = self.store.version
        if self._stats is None or self._stats[0] != version:
            self._stats = (version, CorpusStats([n.get_content() for n in self.store.nodes()]))
        return self._stats[1]

    @property
    def llm(self):
        if self._llm is None:
            from .llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def answerer(self, choice: str | None = None) -> Answerer:
        choice = choice or self.settings.answerer
        if choice == "llm" or (choice == "auto" and self.settings.llm_configured):
            if not self.settings.llm_configured and choice == "llm":
                raise BackendUnavailable("RAG_ANSWERER=llm needs OPENAI_API_KEY or RAG_LLM_BASE_URL")
            return self.llm
        return ExtractiveAnswerer(self.embedder, self.stats)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, *,
            answerer: str | None = None, top_k: int | None = None) -> Answer:
        question = clean_question(question)
        chosen = self.answerer(answerer)
        standalone = question
        if history:
            condense = getattr(chosen, "condense", None)
            standalone = condense(question, history) if condense else condense_offline(question, history)
        result = answer(question, retriever=self.retriever, answerer=chosen, scorer=self.scorer,
                        top_k=top_k, standalone=standalone)
        if chosen.name == "extractive":
            result.notice = OFFLINE_NOTICE
        return result
