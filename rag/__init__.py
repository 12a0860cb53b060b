"""Grounded question answering over your documents, with checked citations.

    from rag import ask, Chat
    a = ask("Where did Putin and Xi meet?")
    a.text, a.citations, a.refused, a.unsupported

Imports are lazy so `import rag` stays cheap; the engine (index, models) is
built on the first question and kept for the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from rag.answer import Answer, Citation, Passage
from rag.errors import BackendUnavailable, BadInput, IndexNotBuilt, RagError

if TYPE_CHECKING:
    from rag.answering.engine import AnswerStream, Engine
    from rag.chats import ChatStore

__all__ = ["ask", "ask_stream", "Chat", "check", "answer_from", "Answer", "Citation", "Passage", "RagError", "BadInput",
           "IndexNotBuilt", "BackendUnavailable", "default_engine"]


_ENGINES = 4  # settings (other than the collection) whose engines are kept
_roots: OrderedDict = OrderedDict()  # settings with collection "default" -> the first engine made for them
_roots_lock = threading.Lock()


def default_engine(collection: str | None = None) -> "Engine":
    """The engine for the current environment's settings, built once per process; with
    `collection` (default: RAG_COLLECTION, else "default"), that collection's engine, which
    shares the first engine's models and clients (Engine.for_collection)."""
    from rag.answering.engine import Engine
    from rag.settings import DEFAULT_COLLECTION, Settings, collection_name

    settings = Settings.from_env()
    name = collection_name(collection) if collection is not None else settings.collection
    key = settings.with_(collection=DEFAULT_COLLECTION)
    with _roots_lock:  # held while the first engine is built: one build, not one per waiting thread
        root = _roots.get(key)
        if root is None:
            root = _roots[key] = Engine(settings.with_(collection=name))
            while len(_roots) > _ENGINES:
                _roots.popitem(last=False)
        _roots.move_to_end(key)
    return root.for_collection(name)


def ask(question: str, *, collection: str | None = None, documents: list[str] | None = None,
        answerer: str | None = None, top_k: int | None = None, engine: "Engine | None" = None) -> Answer:
    """Answer one question over the default index (built over seeds/ on first use), or over
    `collection`; `documents`: search only these files (paths as indexed, or relative paths)."""
    return _engine(engine, collection).ask(question, answerer=answerer, top_k=top_k, documents=documents)


def ask_stream(question: str, *, collection: str | None = None, documents: list[str] | None = None,
               answerer: str | None = None, top_k: int | None = None,
               engine: "Engine | None" = None) -> "AnswerStream":
    """Iterate for the answer's verified text as it is produced; then `.answer`:

        s = ask_stream("Where did Putin and Xi meet?")
        for text in s:
            print(text, end="")
        s.answer.citations
    """
    return _engine(engine, collection).ask_stream(question, answerer=answerer, top_k=top_k, documents=documents)


def _engine(engine: "Engine | None", collection: str | None) -> "Engine":
    if engine is None:
        return default_engine(collection)
    return engine.for_collection(collection)


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

    With a `store` (rag.chats.ChatStore; ChatStore.for_settings() is the data folder's) every
    finished turn is saved under `chat.id`, and `Chat.resume(chat.id)` carries on a saved chat
    where it stopped. Without one, nothing is saved."""

    def __init__(self, engine: "Engine | None" = None, *, answerer: str | None = None,
                 store: "ChatStore | None" = None, chat_id: str | None = None, user: str = "",
                 collection: str | None = None, documents: list[str] | None = None) -> None:
        """`chat_id`: a saved chat to add turns to (its history is not loaded: see resume());
        without one, a store saves under a new id, the chat being created with its first turn.
        `collection`: ask in that collection (default: the engine's, or RAG_COLLECTION, else
        "default"); `documents`: search only these files of it (None: all)."""
        from rag.settings import collection_name

        self._engine = engine
        self.collection = collection_name(collection) if collection is not None else None
        self.documents = list(documents) if documents else None
        self.answerer = answerer
        self.history: list[tuple[str, Answer]] = []
        self.store = store
        self.user = user
        self.id: str | None = chat_id
        self._saved = chat_id is not None  # in the store already
        self.saved_turn: int | None = None  # the store's number of the newest turn this Chat saved
        if store is not None and chat_id is not None:
            store.summary(chat_id, user)  # BadInput for an unknown id, or another user's
        elif store is not None:
            self.reset()  # a new id; the chat is created in the store with its first turn

    @classmethod
    def resume(cls, chat_id: str, *, store: "ChatStore | None" = None, engine: "Engine | None" = None,
               answerer: str | None = None, user: str = "", documents: list[str] | None = None,
               collection: str | None = None) -> "Chat":
        """The saved chat `chat_id` (its id, a unique prefix of it, or 'last'), history restored:
        follow-ups are read against its earlier turns as in the live conversation, in the
        collection it was saved in. 'last' is the newest chat of `collection` (default: the
        engine's, or RAG_COLLECTION, else "default"), never one of another collection; a chat named
        by id that is in another collection than a `collection` given is BadInput. `store`:
        default, the chats in the data folder (ChatStore.for_settings())."""
        from rag.chats import ChatStore
        from rag.settings import Settings, collection_name

        settings = getattr(engine, "settings", None) or Settings.from_env()
        store = store if store is not None else ChatStore.for_settings(settings)
        wanted = collection_name(collection) if collection is not None else None
        last = chat_id.strip().lower() == "last"
        chat_id = store.find(chat_id, user, collection=(wanted or settings.collection) if last
                             else None)
        collection = store.summary(chat_id, user).collection
        if wanted is not None and wanted != collection:
            raise BadInput(f"chat {chat_id[:8]} is in collection {collection}, not {wanted}; "
                           f"leave out the collection to continue it")
        chat = cls(engine, answerer=answerer, store=store, chat_id=chat_id, user=user, collection=collection,
                   documents=documents)
        chat.history = store.load(chat_id, user)
        return chat

    @property
    def engine(self) -> "Engine":
        if self._engine is None:
            self._engine = default_engine(self.collection)
        elif self.collection is not None and hasattr(self._engine, "for_collection"):  # (not the tests' fakes)
            self._engine = self._engine.for_collection(self.collection)
        return self._engine

    def ask(self, question: str, *, top_k: int | None = None) -> Answer:
        return self.ask_stream(question, top_k=top_k).result()

    def ask_stream(self, question: str, *, top_k: int | None = None) -> "AnswerStream":
        """Stream this turn's answer; it joins the history (and the store) once the stream is finished."""
        from rag.answering.engine import AnswerStream

        turns = [(a.question, a.text) for _, a in self.history]
        scope = {"documents": self.documents} if self.documents else {}
        inner = self.engine.ask_stream(question, turns, answerer=self.answerer, top_k=top_k, **scope)

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
            settings = getattr(self.engine, "settings", None)  # (an engine of the tests' may have none)
            self.store.create(self.user, getattr(settings, "collection", self.collection or "default"), chat_id=self.id)
            self._saved = True
        self.saved_turn = self.store.append(self.id, question, answer)

    def reset(self) -> None:
        """Start over; with a store, later turns go to a new chat (the old one stays saved)."""
        self.history.clear()
        if self.store is not None:
            from rag.chats import new_chat_id

            self.id, self._saved = new_chat_id(), False
