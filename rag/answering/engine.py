"""One question through the pipeline: condense -> retrieve -> draft -> guard -> fallback -> Answer.

`answer()` takes its parts as arguments (tests and the evaluation inject fakes
or alternatives); `Engine` builds the real parts from Settings once and keeps
them warm; `ask()` and `Chat` in rag/__init__ are thin conveniences over it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Generator, Iterator, Protocol

from rag.answer import Answer, Draft, Passage, refusal
from rag.answering.answerable import default_judge
from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.coverage import covering
from rag.answering.followup import condense_offline, split_context
from rag.answering.inputs import clean_question
from rag.question import analyse
from rag.errors import BackendUnavailable, BadInput
from rag.guard.policy import Guard
from rag.guard.rules import GuardRules
from rag.guard.support import SupportScorer
from rag.guard.verify import complete_sentences
from rag.index.corpus import CorpusStats
from rag.lexicon import DISTINCT_KINDS
from rag.settings import DEFAULT_COLLECTION, Settings, collection_name
from rag.values import values

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
    passages = with_values_asked(asked, retriever.retrieve(asked, top_k), retriever)
    t1 = time.perf_counter()
    # the model's second opinion on each sentence, where the answerer is a model that gives one
    opinion = answerer.opinion if getattr(answerer, "second_opinion", False) else None
    guard = Guard(asked, passages, scorer, opinion)
    streams = hasattr(answerer, "stream")

    def timings() -> dict[str, float]:
        return {"retrieve": (t1 - t0) * 1e3, "answer": (time.perf_counter() - t1 - guard.seconds) * 1e3,
                "verify": guard.seconds * 1e3}

    try:
        read, lacking = covering(split_context(asked)[0], passages)  # a neighbouring room or version is no answer
        if not passages:
            guard.take(refusal(asked, "nothing is indexed"))
        elif lacking:
            guard.take(refusal(asked, f"no passage gives {', '.join(lacking)}"))
        elif streams:
            deltas = answerer.stream(asked, read)
            if opinion is not None:
                # the draft is read whole before its sentences are judged: a llama.cpp server answers
                # one request at a time, and a second request interrupts the stream in progress
                deltas = iter(list(deltas))
            yield from guard.stream(complete_sentences(deltas))
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


EXTRA_TYPED = 2  # passages beyond top-k that may join when they hold the kind of value asked for


def with_values_asked(question: str, passages: list[Passage], retriever: Retriever) -> list[Passage]:
    """`passages`, and for a question asking for a kind of value that stands out (a phone number,
    an e-mail address, a price, a time ...) up to EXTRA_TYPED more from just below the top k that
    hold one: a contact line rarely shares the question's words ("What's the phone number for
    the water quality team?" against "Call 0117 496 0650")."""
    info = analyse(split_context(question)[0])
    if info.answer_type not in DISTINCT_KINDS or not passages:
        return passages
    deeper = retriever.retrieve(question, 2 * len(passages))[len(passages):]
    extra = [p for p in deeper if {v.kind for v in values(p.text)} & info.accept][:EXTRA_TYPED]
    return passages + [replace(p, number=len(passages) + i) for i, p in enumerate(extra, 1)]


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
    """The real parts, built once from Settings: store, retriever, answerers, scorer.

    One engine serves one collection; `for_collection(name)` gives the engine of another,
    made once and kept, which shares this one's embedder, guard checker, answerability judge,
    Chroma client and LLM client: switching collection loads no model."""

    def __init__(self, settings: Settings | None = None, *, ensure_seeds: bool = True, llm: Answerer | None = None,
                 rules: GuardRules | None = None, shared: Engine | None = None, create: bool = False) -> None:
        """`llm`: the LLM answerer to use instead of one built from the settings (the evaluation
        replays recorded drafts through one); `rules`: the guard's rule families (all on);
        `shared`: an engine whose models and clients this one uses (see for_collection());
        `create`: make the collection if it does not exist (only "default" is made unasked).
        The seeds are indexed, when it is empty, into the "default" collection only."""
        from rag.index.derived import Derived
        from rag.index.store import Store
        from rag.ingestion.embedding import make_embedder
        from rag.retrieval import HybridRetriever

        self.settings = settings or Settings.from_env()
        self._root = (shared._root or shared) if shared is not None else None
        self._ensure_seeds = ensure_seeds
        self._siblings: dict[str, Engine] = {}  # on the root engine: the other collections' engines
        self._lock = threading.Lock()
        self._documents: tuple | None = None  # (store version, sources) for documents()
        root = self._root
        self.embedder = root.embedder if root else make_embedder(self.settings)
        self.store = Store(self.settings, self.embedder, root.store.client if root else None, create=create)
        if ensure_seeds and self.settings.collection == DEFAULT_COLLECTION and self.store.count() == 0:
            self.ingest_seeds()
        self.derived = Derived(self.store)  # BM25 and corpus statistics, shared by retriever and answerer
        self.retriever = HybridRetriever(self.store, self.settings.top_k, self.derived)
        self.scorer = root.scorer if root else SupportScorer(self.embedder, rules=rules)  # the guard's checker
        self.judge = root.judge if root else default_judge()  # answer or refuse (offline answerer)
        self._llm = llm

    def for_collection(self, name: str | None, *, create: bool = False) -> Engine:
        """The engine of collection `name` (None: this one), sharing this engine's models and
        clients; made on first use and kept. BadInput for an invalid name, or for a collection
        that does not exist unless `create`."""
        if name is None or name == self.settings.collection:
            return self
        root = self._root or self
        name = collection_name(name)
        if name == root.settings.collection:
            return root
        with root._lock:
            sibling = root._siblings.get(name)
        if sibling is None:
            sibling = Engine(root.settings.with_(collection=name), ensure_seeds=root._ensure_seeds, shared=root,
                             create=create)
            with root._lock:
                sibling = root._siblings.setdefault(name, sibling)
        return sibling

    def documents(self) -> dict[str, int]:
        """The collection's documents (paths as indexed) and their chunk counts, read again
        only when the index has changed."""
        version = self.store.version
        cached = self._documents
        if cached is None or cached[0] != version:
            self._documents = cached = (version, self.store.sources())
        return dict(cached[1])

    def resolve_documents(self, documents) -> list[str]:
        """The indexed paths of `documents` (paths as indexed, or names relative to the working
        folder), without repeats; BadInput naming the first that is not in the collection."""
        if not documents:
            return []
        if isinstance(documents, (str, Path)):
            documents = [documents]
        out: list[str] = []
        for raw in documents:
            raw = str(raw).strip()
            candidates = [raw, str(Path(raw).expanduser().resolve())] if raw else []
            path = next((p for p in candidates if self.store.has(p)), None)
            if path is None:
                name = self.settings.collection
                where = "" if name == DEFAULT_COLLECTION else f" --collection {name}"
                raise BadInput(f"{raw or 'an empty name'} is not a document of collection {name}; "
                               f"`rag sources{where}` lists them")
            if path not in out:
                out.append(path)
        return out

    def ingest_seeds(self) -> None:
        from rag.progress import tqdm_progress
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
        if self._llm is None and self._root is not None:
            return self._root.llm  # one LLM client for every collection
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
                   answerer: str | None = None, top_k: int | None = None,
                   documents: list[str] | None = None) -> AnswerStream:
        """Like ask(), but iterate for the verified text as it is produced; then `.answer`.
        `documents`: search only these files (paths as indexed, or relative to the working
        folder; BadInput for one the collection does not hold); None or empty: all."""
        question = clean_question(question)
        searched = self.resolve_documents(documents)
        snap = self.derived.current()  # the one look at the index per question
        chosen = self.answerer(answerer, snap.stats)
        standalone = self._condense(chosen, question, history)
        extractive = chosen.name == "extractive"
        fallback = None if extractive or self.settings.llm_fallback == "none" else self.answerer("extractive", snap.stats)
        steps = answer_steps(question, retriever=self.retriever.at(snap, searched), answerer=chosen,
                             scorer=self.scorer, top_k=top_k, standalone=standalone, fallback=fallback)

        def with_notice():
            result = yield from steps
            if extractive:
                result.notice = OFFLINE_NOTICE
            result.searched = list(searched)
            return result

        return AnswerStream(with_notice())

    def ask(self, question: str, history: list[tuple[str, str]] | None = None, *,
            answerer: str | None = None, top_k: int | None = None, documents: list[str] | None = None) -> Answer:
        return self.ask_stream(question, history, answerer=answerer, top_k=top_k, documents=documents).result()
