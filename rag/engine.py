"""One question through the pipeline: condense -> retrieve -> draft -> verify -> Answer.

`answer()` takes its parts as arguments (tests and the evaluation inject fakes
or alternatives); `Engine` builds the real parts from Settings once and keeps
them warm; `ask()` and `Chat` in rag/__init__ are thin conveniences over it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Generator, Iterator, Protocol

from .answer import Answer, Passage
from .answerable import TYPE_REASON, default_judge
from .errors import BackendUnavailable
from .extractive import CorpusStats, Draft, ExtractiveAnswerer, refusal
from .followup import condense_offline
from .inputs import clean_question
from .question import analyse, has_type
from .settings import Settings
from .support import NAME_RUN, NEGATION, SupportScorer
from .text import content_terms, strip_citations
from .verify import Numbering, complete_sentences, is_refusal, verify

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
    """The pipeline as a generator: yields verified text as it is ready, returns the Answer.

    With an answerer that streams (the LLM), each sentence is checked by the
    guard as soon as it is complete, so unsupported text is never shown. When
    the answerer fails (BackendUnavailable) or the guard removes every sentence,
    `fallback` (the extractive answerer) answers instead and Answer.notice says so,
    unless every removed sentence brought a name or figure no passage holds: then the
    answer is a refusal (invented() below). So is an answer whose first sentence did.
    """
    question = clean_question(question)
    asked = standalone or question
    t0 = time.perf_counter()
    passages = retriever.retrieve(asked, top_k)
    t1 = time.perf_counter()
    result = Answer("", question=asked, passages=passages, answerer=answerer.name)
    numbering = Numbering()  # sources numbered [1], [2] ... in the order the answer cites them
    verify_s = 0.0
    novel: list[str] = []  # what an invented first sentence gave (invented() below)
    try:
        if not passages:
            draft = refusal(asked, "nothing is indexed")
        elif hasattr(answerer, "stream"):
            kept, cited = [], {}
            # A count or a date asked for must be in the answer: until a kept sentence gives
            # one, kept sentences are held back ("Russia and China have held a series of
            # joint exercises [1]" answers no "how many"); none by the end is a refusal.
            info = analyse(asked)
            held = [] if info.answer_type in ("number", "date") else None
            for i, sentence in enumerate(complete_sentences(answerer.stream(asked, passages))):
                if i == 0 and is_refusal(sentence):
                    result.refused, result.text = True, sentence
                    break
                tv = time.perf_counter()
                checked = verify(sentence, passages, scorer, asked, numbering)
                verify_s += time.perf_counter() - tv
                result.unsupported += checked.unsupported
                result.recited += checked.recited
                if i == 0 and not checked.citations:
                    novel = invented(checked.unsupported, passages, scorer, asked)
                    if novel:
                        # the lead sentence, the model's direct answer, gave a name or figure no passage
                        # holds ("Dmitry Peskov said ..."): what follows goes on from an answer the
                        # documents lack, and on its own would pass for one; the answer is a refusal
                        break
                if checked.citations:
                    kept.append(checked.text)
                    cited.update((c.number, c) for c in checked.citations)
                    if held is not None:
                        held.append(checked.text)
                        if not has_type(strip_citations(checked.text), info.answer_type, info):
                            continue
                        yield " ".join(held) + " "
                        held = None
                    else:
                        yield checked.text + " "
            draft = Draft(result.text or " ".join(kept), refused=result.refused)
            result.citations = [cited[n] for n in sorted(cited)]
            if held and not result.refused:
                draft = refusal(asked, f"the supported sentences give {TYPE_REASON[info.answer_type]}")
                result.citations = []
        else:
            draft = answerer.draft(asked, passages)
            if not draft.refused:
                tv = time.perf_counter()
                checked = verify(draft.text, passages, scorer, asked, numbering)
                verify_s += time.perf_counter() - tv
                result.unsupported, result.citations = checked.unsupported, checked.citations
                result.recited = checked.recited
                draft = Draft(checked.text)
    except BackendUnavailable as exc:
        if fallback is None:
            raise
        notice = f"{exc}; answered offline by quoting the documents instead."
        result.timings_ms = {"retrieve": (t1 - t0) * 1e3, "answer": (time.perf_counter() - t1 - verify_s) * 1e3,
                             "verify": verify_s * 1e3}
        return (yield from _fall_back(asked, passages, fallback, scorer, result, notice, t0))
    t2 = time.perf_counter()
    result.timings_ms = {"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1 - verify_s) * 1e3,
                         "verify": verify_s * 1e3}
    result.text, result.refused = draft.text, draft.refused
    if not result.refused and not result.citations:  # the guard removed every sentence
        novel = novel or invented(result.unsupported, passages, scorer, asked)  # lead already judged: not again
        if novel:  # the model had to make up what it was asked for: the documents do not hold it
            # the offline judge's reason when it refuses too ("they never mention Wang Yi") says more
            offline = fallback.draft(asked, passages) if fallback is not None else None
            result.text = (offline.text if offline is not None and offline.refused else
                           refusal(asked, f"the model's answer gave {', '.join(novel)}, which no passage holds").text)
            result.refused = True
        elif fallback is not None:
            notice = "None of the model's sentences was supported by its sources; quoting the documents instead."
            return (yield from _fall_back(asked, passages, fallback, scorer, result, notice, t0))
        else:
            result.text = refusal(asked, "no sentence of the draft was supported by its sources").text
            result.refused = True
    result.passages = numbering.passages(passages)
    if result.refused or not hasattr(answerer, "stream"):
        yield result.text
    result.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return result


# a figure ("$1.5 trillion", "40%") or a run of capitalised words ("Indian Ocean"), as written
SPECIFIC_RE = re.compile(r"\$?\d(?:[\d,.]*\d)?%?(?:\s(?:million|billion|trillion))?|" + NAME_RUN)


def invented(removed: list[str], passages: list[Passage], scorer: SupportScorer, question: str) -> list[str]:
    """The names and figures, as written, that the removed sentences brought and no retrieved passage
    holds, when every removed sentence brought one; else []. A model that answers only with specifics
    the documents lack ("around $1.5 trillion" for a trade volume no passage gives) found no answer
    in them, and quoting the closest passages instead would answer a question they do not answer.
    A removed sentence that only restates its question ("China sent troops to Ukraine." for "Why did
    China send troops to Ukraine?") counts too, as itself: the premise the model took from the
    question is what no passage holds. A sentence removed without either (a right answer cited to
    the wrong source, a paraphrase the checker doubted) leaves the fallback to quote."""
    texts = [p.text for p in passages]
    premises = [s for s in removed if restates(s, question)]
    found = [scorer.score(s, texts, question) for s in removed if s not in premises]
    if not removed or not all(s.invented for s in found):
        return []
    novel = {n for s in found for n in s.novel if n != NEGATION}
    spans = [m.group() for s in removed if s not in premises for m in SPECIFIC_RE.finditer(s)]
    written = [x for x in spans if novel & {w.lower().strip(".,$%") for w in x.split()}]
    written += [f"“{s.rstrip('.!?')}”" for s in premises]
    return list(dict.fromkeys(written)) or sorted(novel)


def restates(sentence: str, question: str) -> bool:
    """Are all the sentence's content words the question's?"""
    own = content_terms(sentence)
    return bool(own) and set(own) <= set(content_terms(question))


def _fall_back(asked, passages, fallback, scorer, failed: Answer, notice: str, t0: float):
    again = answer_steps(asked, retriever=_Fixed(passages), answerer=fallback, scorer=scorer)
    result = yield from again
    result.unsupported = failed.unsupported + result.unsupported
    result.notice = notice
    for stage in ("answer", "verify"):  # the failed attempt's time counts too
        result.timings_ms[stage] += failed.timings_ms.get(stage, 0.0)
    result.timings_ms["retrieve"] = failed.timings_ms.get("retrieve", result.timings_ms["retrieve"])
    result.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return result


class _Fixed:
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

    def __init__(self, settings: Settings | None = None, *, ensure_seeds: bool = True) -> None:
        from .derived import Derived
        from .embedding import make_embedder
        from .retrieval import HybridRetriever
        from .store import Store

        self.settings = settings or Settings.from_env()
        self.embedder = make_embedder(self.settings)
        self.store = Store(self.settings, self.embedder)
        if ensure_seeds and self.store.count() == 0:
            self.ingest_seeds()
        self.derived = Derived(self.store)  # BM25 and corpus statistics, shared by retriever and answerer
        self.retriever = HybridRetriever(self.store, self.settings.top_k, self.derived)
        self.scorer = SupportScorer(self.embedder)  # the guard's checker
        self.judge = default_judge()  # answer or refuse (offline answerer)
        self._llm = None

    def ingest_seeds(self) -> None:
        from .documents import load
        from .store import tqdm_progress

        seeds = self.settings.seeds_dir
        if not seeds.is_dir():
            from .errors import IndexNotBuilt

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
            from .llm import LLMAnswerer

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
