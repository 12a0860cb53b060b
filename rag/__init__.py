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
    from rag.chats import ChatStore

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
    """A conversation: follow-up questions are resolved against earlier turns.

    With a `store` (rag.chats.ChatStore) every finished turn is saved under `chat.id`, and
    `Chat.resume(chat_id, store=...)` carries on a saved chat where it stopped."""

    def __init__(self, engine: "Engine | None" = None, *, answerer: str | None = None,
                 store: "ChatStore | None" = None, chat_id: str | None = None, user: str = "") -> None:
        """`chat_id`: a saved chat to add turns to (its history is not loaded: see resume());
        without one, a store saves under a new id, the chat being created with its first turn."""
        self._engine = engine
        self.answerer = answerer
        self.history: list[tuple[str, Answer]] = []
        self.store = store
        self.user = user
        self.id: str | None = chat_id
        self._saved = chat_id is not None  # in the store already
        if store is not None and chat_id is not None:
            store.summary(chat_id, user)  # BadInput for an unknown id, or another user's
        elif store is not None:
            self.reset()  # a new id; the chat is created in the store with its first turn

    @classmethod
    def resume(cls, chat_id: str, *, store: "ChatStore", engine: "Engine | None" = None,
               answerer: str | None = None, user: str = "") -> "Chat":
        """The saved chat `chat_id` (its id, a unique prefix of it, or 'last'), history restored:
        follow-ups are read against its earlier turns as in the live conversation."""
        chat_id = store.find(chat_id, user)
        chat = cls(engine, answerer=answerer, store=store, chat_id=chat_id, user=user)
        chat.history = store.load(chat_id, user)
        return chat

    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.ask_stream(question, top_k=top_k).result()

    def ask_stream(self, question: str, *, top_k: int | None = None) -> "AnswerStream":
        """Stream this turn's answer; it joins the history (and the store) once the stream is finished."""
        from rag.answering.engine import AnswerStream

        turns = [(a.question, a.text) for _, a in self.history]
        inner = self.engine.ask_stream(question, turns, answerer=self.answerer, top_k=top_k)

        def steps():
            result = yield from inner
            self.history.append((question, result))
            self._save(question, result)
            return result

        return AnswerStream(steps())

    def _save(self, question: str, answer: Answer) -> None:
        if self.store is None:
            return
        if not self._saved:
            self.store.create(self.user, chat_id=self.id)
            self._saved = True
        self.store.append(self.id, question, answer)

    def reset(self) -> None:
        """Start over; with a store, later turns go to a new chat (the old one stays saved)."""
        self.history.clear()
        if self.store is not None:
            from rag.chats import new_chat_id

            self.id, self._saved = new_chat_id(), False
