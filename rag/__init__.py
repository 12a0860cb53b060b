"""Grounded question answering over your documents, with checked citations.

    from rag import ask, Chat
    a = ask("Where did Putin and Xi meet?")
    a.text, a.citations, a.refused, a.unsupported

Imports are lazy so `import rag` stays cheap; the engine (index, models) is
built on the first question and kept for the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rag.answer import Answer, Citation, Passage
from rag.errors import BackendUnavailable, BadInput, IndexNotBuilt, RagError

if TYPE_CHECKING:
    from rag.answering.engine import AnswerStream, Engine

__all__ = ["ask", "ask_stream", "Chat", "check", "answer_from", "Answer", "Citation", "Passage", "RagError", "BadInput",
           "IndexNotBuilt", "BackendUnavailable", "default_engine"]


@lru_cache(maxsize=4)
def _engine_for(settings) -> "Engine":
    from rag.answering.engine import Engine

    return Engine(settings)


def default_engine() -> "Engine":
    """The engine for the current environment's settings, built once per process."""
    from rag.settings import Settings

    return _engine_for(Settings.from_env())


def ask(question: str, *, answerer: str | None = None, top_k: int | None = None,
        engine: "Engine | None" = None) -> Answer:
    """Answer one question over the default index (built over seeds/ on first use)."""
    return (engine or default_engine()).ask(question, answerer=answerer, top_k=top_k)


def ask_stream(question: str, *, answerer: str | None = None, top_k: int | None = None,
               engine: "Engine | None" = None) -> "AnswerStream":
    """Iterate for the answer's verified text as it is produced; then `.answer`:

        s = ask_stream("Where did Putin and Xi meet?")
        for text in s:
            print(text, end="")
        s.answer.citations
    """
    return (engine or default_engine()).ask_stream(question, answerer=answerer, top_k=top_k)


def check(text: str, passages, question: str | None = None):
    """Is `text` supported by `passages` (strings)? -> Verdict(.supported, .score, .sentences).

    The citation guard's own judgment, for any text, e.g. another system's answer."""
    from rag.guard.check import check as _check

    return _check(text, passages, question)


def answer_from(question: str, passages, *, answerer: str | None = None) -> Answer:
    """Answer from the given passage texts only, no index: same answerers, guard and refusals as ask()."""
    from rag.answering.given import answer_from as _answer_from

    return _answer_from(question, passages, answerer=answerer)


class Chat:
    """A conversation: follow-up questions are resolved against earlier turns."""

    def __init__(self, engine: "Engine | None" = None, *, answerer: str | None = None) -> None:
        self._engine = engine
        self.answerer = answerer
        self.history: list[tuple[str, Answer]] = []

    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.ask_stream(question, top_k=top_k).result()

    def ask_stream(self, question: str, *, top_k: int | None = None) -> "AnswerStream":
        """Stream this turn's answer; it joins the history once the stream is finished."""
        from rag.answering.engine import AnswerStream

        turns = [(a.question, a.text) for _, a in self.history]
        inner = self.engine.ask_stream(question, turns, answerer=self.answerer, top_k=top_k)

        def steps():
            result = yield from inner
            self.history.append((question, result))
            return result

        return AnswerStream(steps())

    def reset(self) -> None:
        self.history.clear()
