"""What the window does when something happens in it: one method per event, on one object.

Window holds what every session shares (the engine, the chat store, the exports folder); what a
session remembers travels in and out of the methods as a WindowState (ui/state.py). The methods
are plain Python: tests call them directly, and ui/app.py only places the components and wires
their events to these methods. A user's mistake is a warning toast and a status line (refuse),
never an error badge on every panel; a headless caller's (`/ask`) is a gr.Error.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from dataclasses import replace
from html import escape
from pathlib import Path

import gradio as gr

from rag.answer import dateline
from rag.errors import BadInput, RagError

from .exports import Exports
from .render import answer_html, answer_turn, chat_choices, error_html, evidence_html, inert, stored_messages
from .state import WindowState
from .uploads import UPLOAD_SUFFIXES, safe_name, staged_upload

log = logging.getLogger("rag.ui")
EXAMPLES_FILE = ".examples.json"  # in the seeds folder: example questions by seed document (hidden: not indexed)
STREAM_WORDS = 3  # words per streamed update
STREAM_PAUSE = 0.02
THUMBS = {"up": "👍", "down": "👎"}
FEEDBACK = {"up": "Like", "down": "Dislike"}  # a rating as the Chatbot's feedback buttons show it
SEARCHING = '<div class="rag-note">🔎 Searching the documents…</div>'


def user_error(message: str) -> gr.Error:
    """A headless caller's mistake (`/ask`), its message as it is, not logged as a traceback:
    Gradio prints the traceback of every gr.Error unless told not to."""
    return gr.Error(message, print_exception=False)


def refuse(message: str, outputs: int, status: str | None = None):
    """A user's mistake in the window (a bad file, an unknown chat): a warning toast, its text
    escaped (a toast renders HTML, and the text may hold a file or collection name), and every
    output left as it was, or, with `status`, the first output set to the message. Raising
    gr.Error instead would put an error badge on every output panel."""
    gr.Warning(escape(message))
    skips = [gr.skip()] * outputs
    if status is not None:
        skips[0] = f"⚠ {escape(message)}"
    return tuple(skips) if outputs > 1 else skips[0]


def user_of(request) -> str:
    """Whose chats these are: the logged-in user (RAG_UI_USERNAME/RAG_UI_PASSWORD), '' without login."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def examples_for(seeds_dir, documents) -> list[str]:
    """The example questions (seeds/.examples.json) of those seed documents that the open
    collection holds, by file name; none for a collection of other documents."""
    try:
        table = json.loads((Path(seeds_dir) / EXAMPLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    seeds = Path(seeds_dir).resolve()
    held = {Path(p).name for p in documents if Path(p).parent == seeds}
    return [q for name, questions in table.items() if name in held and isinstance(questions, list)
            for q in questions if isinstance(q, str)]


def parse_target(target) -> tuple[int, int] | None:
    """The hidden textbox holds "turn:n", written by a chip click or a message selection."""
    m = re.fullmatch(r"(\d+):(\d+)", (target or "").strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _copy(state: WindowState | None) -> WindowState:
    """The session's state to change and return (never changed in place: a failed event leaves it)."""
    state = state or WindowState()
    return replace(state, answers=list(state.answers), scopes=list(state.scopes), saved=list(state.saved))


class Window:
    """The window's event handlers over one engine (None: the default engine, built on first use)."""

    def __init__(self, engine=None, settings=None, public: bool = False) -> None:
        self._engine = engine
        # served to others (a host other than loopback, or a login): links to private addresses refused
        self.public = public
        if settings is None:
            from rag.settings import Settings

            settings = engine.settings if engine is not None else Settings.from_env()
        self.settings = settings
        self._store = None
        self.exports = Exports()  # chat exports to download, removed after a while and at exit

    # --- where things are -----------------------------------------------------------------------

    @property
    def engine(self):
        if self._engine is None:
            from rag import default_engine

            self._engine = default_engine()
        return self._engine

    def store(self):
        """The saved chats, in the data folder of the window's settings (opened on first use)."""
        if self._store is None:
            from rag.chats import ChatStore

            self._store = ChatStore.for_settings(self.settings)
        return self._store

    def scoped(self, collection, create: bool = False):
        """The engine of the selected collection (the window's first one when none is selected)."""
        name = (collection or "").strip()
        return self.engine.for_collection(name, create=create) if name else self.engine

    def collection_names(self, selected) -> list[str]:
        from rag.index.store import list_collections

        eng = self.engine
        names = [c.name for c in list_collections(eng.settings, eng.store.client, counts=False)]
        return names + ([selected] if selected and selected not in names else [])

    # --- collections and documents --------------------------------------------------------------

    def document_views(self, collection):
        """The selected collection's documents: the Documents table, the file to remove, the
        documents to search (a name typed for a collection not made yet holds none)."""
        from rag.index.store import NoCollection

        try:
            sources = self.scoped(collection).documents()
        except NoCollection:
            sources = {}
        except RagError as exc:
            return refuse(str(exc), 3)
        rows = [[Path(p).name, n, p] for p, n in sorted(sources.items())]
        names = [r[0] for r in rows]
        labels = [(r[0] if names.count(r[0]) == 1 else r[2], r[2]) for r in rows]
        return (gr.update(value=rows), gr.update(choices=[r[2] for r in rows], value=None),
                gr.update(choices=labels, value=[]))

    def try_examples(self, collection):
        """The "Try" questions for the open collection: hidden when it holds no seed document
        with examples."""
        try:
            docs = self.scoped(collection).documents()
        except RagError:
            docs = {}
        samples = [[q] for q in examples_for(self.settings.seeds_dir, docs)]
        return gr.Dataset(samples=samples, visible=bool(samples))

    def refresh(self, collection):
        """On page load: the collections as they are now, and the selected one's documents."""
        try:
            names = self.collection_names(collection)
        except RagError as exc:
            log.warning("cannot list the collections: %s", exc)
            names = [collection] if collection else []
        return (gr.update(choices=names), *self.document_views(collection))

    def _views_after_adding(self, collection, eng) -> tuple:
        """After documents were added: the Documents views, and the collections (a new one joins)."""
        try:
            names = gr.update(choices=self.collection_names(eng.settings.collection))
        except RagError:
            names = gr.skip()
        return (*self.document_views(collection), names)

    def add_files(self, files, collection, progress=gr.Progress()):
        """Index the uploaded files that can be read; each bad one (not a Word file, empty, binary,
        too large) is named in the status line and a warning, and costs the others nothing. The
        upload box is emptied once the files were dealt with. Outputs: status, table, file to
        remove, upload box, documents to search, collections."""
        from rag.ingestion.documents import read

        if not files:
            return refuse(f"Choose one or more {', '.join(UPLOAD_SUFFIXES)} files first.", 6, status="")
        staged, bad = [], []
        for f in files:
            try:
                staged.append(staged_upload(Path(getattr(f, "name", f))))
            except RagError as exc:
                bad.append(str(exc))
        skipped = f"Not added: {'; '.join(bad)}." if bad else ""
        if not staged:
            gr.Warning(escape(skipped))
            return f"⚠ {escape(skipped)}", gr.skip(), gr.skip(), None, gr.skip(), gr.skip()
        try:
            eng = self.scoped(collection, create=True)  # a new name makes the collection
            uploads = eng.settings.uploads_dir
            uploads.mkdir(parents=True, exist_ok=True)
            docs = []
            for src in staged:
                dest = uploads / safe_name(src.name)
                shutil.copyfile(src, dest)
                docs.append(read(dest, Path(eng.settings.data_dir) / "extracted"))
            report = eng.store.sync(docs, progress=lambda done, total: progress(done / max(total, 1), desc="embedding"))
        except RagError as exc:
            return refuse(str(exc), 6, status="")
        if bad:
            gr.Warning(escape(skipped))
        table, choice, chosen, names = self._views_after_adding(collection, eng)
        added = f"Added {len(docs)} file(s) to collection {escape(eng.settings.collection)}: {report}."
        return (f"{added} ⚠ {escape(skipped)}" if bad else added), table, choice, None, chosen, names

    def add_link(self, url, collection, progress=gr.Progress()):
        """Fetch a web page and index its main text, with its title, outlet and date. When the
        window is served to others, a link to a private, loopback or link-local address is refused
        (unless RAG_ALLOW_PRIVATE_LINKS). Outputs: status, table, file to remove, link box,
        documents to search, collections."""
        from rag.ingestion.web import read_link

        url = (url or "").strip()
        if not url:
            return refuse("Paste a link to a web page first (http:// or https://).", 6, status="")
        try:
            eng = self.scoped(collection, create=True)
            progress(0.1, desc="fetching")
            doc = read_link(url, eng.settings.data_dir,
                            allow_private=not self.public or self.settings.allow_private_links)
            report = eng.store.sync([doc], progress=lambda d, t: progress(d / max(t, 1), desc="embedding"))
        except RagError as exc:
            return refuse(str(exc), 6, status="")
        table, choice, chosen, names = self._views_after_adding(collection, eng)
        dated = dateline(doc.meta)
        added = f"Added “{escape(doc.meta.get('title', url))}”{f' ({escape(dated)})' if dated else ''}: {report}."
        return added, table, choice, "", chosen, names

    def remove_file(self, path, collection):
        """Outputs: status, table, file to remove, documents to search."""
        if not path:
            return refuse("Pick an indexed file to remove.", 4, status="")
        try:
            eng = self.scoped(collection)
            removed = eng.store.remove(path)
        except RagError as exc:
            return refuse(str(exc), 4, status="")
        if Path(path).parent.resolve() == eng.settings.uploads_dir.resolve():
            Path(path).unlink(missing_ok=True)
        return (f"Removed {Path(path).name} ({removed} chunk(s)).", *self.document_views(collection))

    # --- asking ---------------------------------------------------------------------------------

    def _chat(self, eng, state: WindowState, answerer, chosen, request):
        """The rag.Chat this conversation is (a new one when its saved chat was deleted meanwhile)."""
        from rag import Chat

        user = user_of(request)
        try:
            chat = Chat(eng, answerer=answerer, store=self.store(), chat_id=state.chat_id or None, user=user,
                        documents=chosen or None)
        except BadInput:  # deleted meanwhile: carry on in a new chat
            chat = Chat(eng, answerer=answerer, store=self.store(), user=user, documents=chosen or None)
        chat.history = [(a.question, a) for a in state.answers]  # follow-ups are read against these
        return chat

    def respond(self, message, history, state, top_k=4, answerer="auto", collection=None, chosen=None,
                request: gr.Request = None):
        """Answer one turn, streaming. Outputs: messages, state, evidence panel, question box. A
        finished turn is saved to the conversation's chat (made with its first turn), and the state
        records the answer, where it searched and its [chat id, turn number] (what a rating rates)."""
        history, state = list(history or []), _copy(state)
        message = (message or "").strip()
        if not message:
            history.append({"role": "assistant", "content": error_html("Type a question first.")})
            yield history, gr.skip(), gr.skip(), ""
            return
        history += [{"role": "user", "content": inert(message)}, {"role": "assistant", "content": SEARCHING}]
        yield history, gr.skip(), gr.skip(), ""
        try:
            eng = self.scoped(collection)
            chat = self._chat(eng, state, answerer, chosen, request)
            stream = chat.ask_stream(message, top_k=int(top_k))
            shown = ""
            for delta in stream:  # verified sentences (LLM) or the quoted answer (offline)
                for word in re.findall(r"\S+\s*", delta):
                    shown += word
                    if shown.count(" ") % STREAM_WORDS == 0:
                        history[-1]["content"] = f'<div class="rag-answer">{inert(shown)} ▌</div>'
                        yield history, gr.skip(), gr.skip(), ""
                        time.sleep(STREAM_PAUSE)
            result = stream.answer
            scope = {"collection": eng.settings.collection, "documents": len(eng.documents())}
        except RagError as exc:
            history[-1]["content"] = error_html(str(exc))
            yield history, gr.skip(), gr.skip(), ""
            return
        except Exception as exc:  # never a traceback or a frozen spinner in the window
            log.exception("answering failed")
            history[-1]["content"] = error_html(f"Something went wrong ({type(exc).__name__}); see the server log.")
            yield history, gr.skip(), gr.skip(), ""
            return
        state.chat_id = chat.id
        # the number the store gave it, even if another window added one
        turn = state.add(result, scope, [chat.id, chat.saved_turn])
        history[-1]["content"] = answer_html(result, turn)
        yield history, state, evidence_html(result, turn, **scope), ""

    def api_ask(self, question: str, top_k: int = 4, answerer: str = "auto", collection: str = "",
                documents: list[str] | None = None) -> dict:
        """Answer one question over the indexed documents; returns text, citations, refused, unsupported.
        `collection` (default: the window's first) and `documents` (none: all) scope the search."""
        try:
            result = self.scoped(collection).ask(question, answerer=answerer, top_k=int(top_k),
                                                 documents=documents or None)
        except RagError as exc:
            raise user_error(str(exc)) from None
        return result.to_json() | {"question": result.question, "answerer": result.answerer}

    # --- the evidence panel ---------------------------------------------------------------------

    def show(self, target, state, show_scores=False, show_removed=True):
        """A citation chip clicked: its passage in the panel."""
        state = state or WindowState()
        parsed = parse_target(target)
        if parsed is None or parsed[0] >= len(state.answers):
            return gr.skip()
        turn, n = parsed
        return evidence_html(state.answers[turn], turn, n, show_scores, show_removed, **state.scope_of(turn))

    def redraw(self, target, state, show_scores=False, show_removed=True):
        """A panel option changed: the same answer (the newest when none was picked) drawn again."""
        state = state or WindowState()
        turn, n = parse_target(target) or (len(state.answers) - 1, None)
        if not state.answers or turn >= len(state.answers):
            return evidence_html(None, 0)
        return evidence_html(state.answers[turn], turn, n, show_scores, show_removed, **state.scope_of(turn))

    def select_message(self, state, show_scores, show_removed, evt: gr.SelectData):
        """A message clicked: its answer's evidence. Outputs: the panel and the hidden target."""
        state = state or WindowState()
        turn = evt.index // 2 if isinstance(evt.index, int) else None
        if turn is None or turn >= len(state.answers):
            return gr.skip(), gr.skip()
        return (evidence_html(state.answers[turn], turn, None, show_scores, show_removed, **state.scope_of(turn)),
                f"{turn}:0")

    # --- saved chats ----------------------------------------------------------------------------

    def list_chats(self, state=None, request: gr.Request = None):
        """The Chats list: the user's saved chats, newest first, the open one selected."""
        chat_id = state.chat_id if state else None
        try:
            choices = chat_choices(self.store().list(user_of(request)))
        except RagError as exc:
            log.warning("cannot list the saved chats: %s", exc)
            return gr.skip()
        return gr.update(choices=choices, value=chat_id if chat_id in [c[1] for c in choices] else None)

    def new_chat(self):
        """Outputs: messages, state, panel, target, chat list, ratings status, correction box."""
        return (gr.update(value=[], feedback_value=None), WindowState(), evidence_html(None, 0), "",
                gr.update(value=None), "", "")

    def open_chat(self, ref, show_scores=False, show_removed=True, request: gr.Request = None):
        """A saved chat back in the window: its messages, its answers (follow-ups are read against
        them), its collection, and its id (later turns are added to it). Outputs: messages, state,
        panel, target, collection, export file, ratings status."""
        from rag import Chat

        if not ref:
            return refuse("Pick a saved chat first.", 7)
        try:
            chat = Chat.resume(ref, store=self.store(), user=user_of(request))
        except RagError as exc:
            return refuse(str(exc), 7)
        answers = [a for _, a in chat.history]
        state = WindowState(answers, [{"collection": chat.collection} for _ in answers],
                            [[chat.id, n] for n in range(1, len(answers) + 1)], chat.id)
        try:
            given = {r.n: FEEDBACK[r.rating] for r in self.store().ratings(user_of(request), chat_id=chat.id)}
        except RagError:
            given = {}
        last = len(answers) - 1
        panel = (evidence_html(answers[last], last, None, show_scores, show_removed, **state.scope_of(last))
                 if answers else evidence_html(None, 0))
        messages = gr.update(value=stored_messages(chat.history),
                             feedback_value=[given.get(n) for _, n in state.saved])  # its 👍/👎 shown again
        return messages, state, panel, "", gr.update(value=chat.collection), None, ""

    def delete_chat(self, ref, state, request: gr.Request = None):
        """The window keeps its messages; when the open chat was deleted, new turns start a new one."""
        if not ref:
            return refuse("Pick a saved chat first.", 1)
        try:
            self.store().delete(ref, user_of(request))
        except RagError as exc:
            return refuse(str(exc), 1)
        state = _copy(state)
        if ref == state.chat_id:
            state.chat_id = None
        return state

    def export_chat(self, ref, request: gr.Request = None):
        """The chat as a Markdown file to download: questions, answers, cited passages verbatim."""
        if not ref:
            return refuse("Pick a saved chat first.", 1)
        try:
            text = self.store().export_markdown(ref, user_of(request))
        except RagError as exc:
            return refuse(str(exc), 1)
        return str(self.exports.write(f"chat-{ref[:8]}.md", text))

    # --- ratings --------------------------------------------------------------------------------

    def _rating_of(self, chat: str, n: int, user: str):
        """The rating of turn `n` of chat `chat`, or None."""
        return next((r for r in self.store().ratings(user, chat_id=chat) if r.n == n), None)

    @staticmethod
    def _asked(state: WindowState, turn: int, n: int) -> str:
        """The question of the window's answer `turn` on one line (HTML-escaped), for a status line."""
        return escape(" ".join(state.answers[turn].question.split())) if turn < len(state.answers) else f"turn {n}"

    @staticmethod
    def _not_saved(message: str) -> str:
        """A rating that could not be saved: a warning toast, and the same in the status line."""
        gr.Warning(f"Not saved: {message}")
        return f"⚠ Not saved: {escape(message)}"

    def rate_message(self, state, request: gr.Request = None, evt: gr.LikeData = None):
        """👍/👎 under an answer: rate its turn in the chat store; pressing the same thumb again
        undoes the rating. Outputs: the status line, and the state with the rated answer (the one a
        correction goes with)."""
        state = _copy(state)
        turn = answer_turn(evt.value) if evt is not None else None
        if turn is None or turn >= len(state.saved) or not state.saved[turn]:
            return "Only a finished answer, saved in a chat, can be rated.", gr.skip()
        chat, n = state.saved[turn]
        user = user_of(request)
        question = self._asked(state, turn, n)
        try:
            before = self._rating_of(chat, n, user)
            state.rated = turn
            if evt.liked is True or evt.liked is False:
                rating = "up" if evt.liked else "down"
                self.store().rate(chat, n, rating, before.correction if before else "", user)  # a correction stays
                hint = " — type what it should have said below, then Save correction" if rating == "down" else ""
                return f"Rated: {THUMBS[rating]} “{question}”{hint}", state
            if before is not None:
                self.store().delete_rating(before.id, user)
            return f"Rating removed: “{question}”", state
        except RagError as exc:
            return self._not_saved(str(exc)), gr.skip()

    def save_correction(self, text, state, request: gr.Request = None):
        """Attach a correction to the answer rated last (or, with none rated, the newest answer),
        keeping its 👍/👎, or rating it 👎 when it has none. Outputs: the status line, the emptied
        textbox and the state with the answer rated."""
        text, state = (text or "").strip(), _copy(state)
        if not text:
            return "Type the correction first: what should the answer have said?", gr.skip(), gr.skip()
        rated = state.rated
        if isinstance(rated, int) and 0 <= rated < len(state.saved) and state.saved[rated]:
            turn = rated
        else:
            turn = max((i for i, ref in enumerate(state.saved) if ref), default=None)
        if turn is None:
            return "Ask a question first: a correction goes with an answer.", gr.skip(), gr.skip()
        chat, n = state.saved[turn]
        user = user_of(request)
        try:
            before = self._rating_of(chat, n, user)
            rating = before.rating if before else "down"
            self.store().rate(chat, n, rating, text, user)
        except RagError as exc:
            return self._not_saved(str(exc)), gr.skip(), gr.skip()
        state.rated = turn
        return (f"Rated: {THUMBS[rating]} “{self._asked(state, turn, n)}”, with the correction: "
                f"{escape(' '.join(text.split()))}", "", state)
