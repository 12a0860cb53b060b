"""The Gradio chat window: a thin layer over rag.Engine.

build_app() returns the Blocks without starting a server (tests build it
freely); launch() serves it. The chat function is a generator that streams;
the evidence panel shows what the selected answer cites, in place in its
document. A collection selector and a documents multi-select (none chosen: all)
scope the questions and the Documents tab; switching collection loads no model
(Engine.for_collection). A REST endpoint `/ask` (gradio_client:
client.predict(..., api_name="/ask")) answers headless callers. Each conversation is a
rag.Chat saved in the data folder's ChatStore (per logged-in user, '' without login); the Chats
panel lists, opens (Chat.resume), deletes and exports (Markdown) the saved ones. 👍/👎 under an
answer (the Chatbot's like event) rate its turn in the ChatStore (ChatStore.rate); a correction
typed below goes with the answer rated last (rated 👎 when it was not rated), and a status line
says what was saved, or why nothing was.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from html import escape
from pathlib import Path

import gradio as gr

from rag.errors import BadInput, RagError

from .exports import Exports
from .render import (answer_html, answer_turn, banner_markdown, chat_choices, error_html, evidence_html, inert,
                     stored_messages)

log = logging.getLogger("rag.ui")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".epub", ".odt")
EXAMPLES_FILE = ".examples.json"  # in the seeds folder: example questions by seed document (hidden: not indexed)
STREAM_WORDS = 3  # words per streamed update
STREAM_PAUSE = 0.02
THUMBS = {"up": "👍", "down": "👎"}
FEEDBACK = {"up": "Like", "down": "Dislike"}  # a rating as the Chatbot's feedback buttons show it

CSS = """
.rag-hidden { display: none !important; }
.cite-chip { display: inline-block; min-width: 1.4em; padding: 0 .35em; margin: 0 .1em; border-radius: .7em;
  border: 1px solid #2563eb; background: #dbeafe; color: #1e3a8a; font-size: .8em; line-height: 1.4em;
  cursor: pointer; text-align: center; vertical-align: baseline; }
.cite-chip:hover { background: #2563eb; color: white; }
.cite-chip.static { cursor: default; }
.rag-refusal { border-left: 4px solid #d97706; background: #fef3c7; color: #78350f; padding: .4em .6em; border-radius: 4px; }
.rag-error { border-left: 4px solid #dc2626; background: #fee2e2; color: #7f1d1d; padding: .4em .6em; border-radius: 4px; }
.rag-note { color: #6b7280; font-size: .85em; margin-top: .3em; }
.rag-evidence .rag-q { font-weight: 600; margin-bottom: .5em; }
.ev-card { border: 1px solid #e5e7eb; border-radius: 6px; padding: .5em .7em; margin-bottom: .6em; }
.ev-card.active { border-color: #2563eb; box-shadow: 0 0 0 2px #bfdbfe; }
.ev-head { font-size: .85em; color: #374151; margin-bottom: .3em; }
mark.support { background: #fde68a; }
.ev-removed { border: 1px dashed #dc2626; padding: .4em .7em; margin-bottom: .6em; color: #7f1d1d; }
.ev-scores table { font-size: .85em; }
.ev-context-title { font-weight: 600; margin-top: .6em; }
.ev-context { max-height: 260px; overflow-y: auto; white-space: pre-wrap; font-size: .85em; border: 1px solid #e5e7eb;
  border-radius: 6px; padding: .5em; background: #f9fafb; }
mark.in-context { background: #bfdbfe; }
"""

# Citation chips live inside chat messages; a click writes "turn:n" into a hidden
# textbox and presses a hidden button, whose handler redraws the evidence panel.
HEAD = r"""
<script>
document.addEventListener('click', (ev) => {
  const chip = ev.target.closest && ev.target.closest('.cite-chip:not(.static)');
  if (!chip) return;
  ev.preventDefault(); ev.stopPropagation();
  const box = document.querySelector('#cite-target textarea, #cite-target input');
  if (!box) return;
  const m = /cite-t(\d+)-n(\d+)/.exec(chip.className);
  if (!m) return;
  box.value = m[1] + ':' + m[2];
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(() => { const b = document.querySelector('#cite-show'); if (b) b.click(); }, 60);
}, true);
</script>
"""

SCROLL_JS = """
() => {
  setTimeout(() => {
    const card = document.querySelector('.ev-card.active');
    if (card) card.scrollIntoView({block: 'nearest'});
    const mark = document.querySelector('.ev-context mark.in-context');
    const box = document.querySelector('.ev-context');
    if (mark && box) box.scrollTop = mark.offsetTop - box.offsetTop - 20;
  }, 100);
}
"""


def _engine_getter(engine):
    holder = {"engine": engine}

    def get():
        if holder["engine"] is None:
            from rag import default_engine

            holder["engine"] = default_engine()
        return holder["engine"]

    return get


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


def safe_name(name: str) -> str:
    """A file name for the uploads folder: no folders, no odd characters."""
    base = Path(name).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(base).stem).strip("._") or "document"
    return f"{stem[:80]}{Path(base).suffix.lower()}"


def check_upload(path: Path, allowed: Path | None = None) -> Path:
    """An uploaded file must sit in Gradio's upload folder: a path sent by a client that
    points anywhere else on the server (say /etc/passwd.txt) is refused."""
    from gradio.utils import get_upload_folder

    root = Path(allowed or get_upload_folder()).resolve()
    real = Path(path).resolve()
    if not real.is_relative_to(root) or not real.is_file():
        raise BadInput(f"{Path(path).name}: not an uploaded file")
    return real


def examples_for(seeds_dir, documents) -> list[str]:
    """The example questions (seeds/.examples.json) of those seed documents that the open
    collection holds, by file name; none for a collection of other documents."""
    import json

    try:
        table = json.loads((Path(seeds_dir) / EXAMPLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    seeds = Path(seeds_dir).resolve()
    held = {Path(p).name for p in documents if Path(p).parent == seeds}
    return [q for name, questions in table.items() if name in held and isinstance(questions, list)
            for q in questions if isinstance(q, str)]


def staged_upload(src: Path) -> Path:
    """An uploaded file checked before anything is written: in the upload folder, of a type the
    window takes, within the size limit, and readable (binary, non-UTF-8, corrupt or empty files
    are BadInput, named as the user knows them, not by their temporary path)."""
    from rag.ingestion.documents import read

    src = check_upload(src)
    if src.suffix.lower() not in UPLOAD_SUFFIXES:
        raise BadInput(f"{src.name}: only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    if src.stat().st_size > MAX_UPLOAD_BYTES:
        raise BadInput(f"{src.name} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
    try:
        read(src)
    except BadInput as exc:
        raise BadInput(str(exc).replace(str(src), src.name)) from None
    return src


def user_of(request) -> str:
    """Whose chats these are: the logged-in user (RAG_UI_USERNAME/RAG_UI_PASSWORD), '' without login."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def build_app(engine=None) -> gr.Blocks:
    from rag.index.store import NoCollection

    get_engine = _engine_getter(engine)
    settings = engine.settings if engine is not None else None
    if settings is None:
        from rag.settings import Settings

        settings = Settings.from_env()

    chat_store = {}
    exports = Exports()  # chat exports to download, removed after a while and at exit

    def store():
        """The saved chats, in the data folder of the engine's settings (opened on first use)."""
        if "store" not in chat_store:
            from rag.chats import ChatStore

            chat_store["store"] = ChatStore.for_settings(settings)
        return chat_store["store"]

    def scoped(collection, create: bool = False):
        """The engine of the selected collection (the window's first one when none is selected)."""
        eng, name = get_engine(), (collection or "").strip()
        return eng.for_collection(name, create=create) if name else eng

    def collection_names(selected) -> list[str]:
        from rag.index.store import list_collections

        eng = get_engine()
        names = [c.name for c in list_collections(eng.settings, eng.store.client, counts=False)]
        return names + ([selected] if selected and selected not in names else [])

    def document_views(collection):
        """The selected collection's documents: the Documents table, the file to remove, the
        documents to search (a name typed for a collection not made yet holds none)."""
        try:
            sources = scoped(collection).documents()
        except NoCollection:
            sources = {}
        except RagError as exc:
            return refuse(str(exc), 3)
        rows = [[Path(p).name, n, p] for p, n in sorted(sources.items())]
        names = [r[0] for r in rows]
        labels = [(r[0] if names.count(r[0]) == 1 else r[2], r[2]) for r in rows]
        return (gr.update(value=rows), gr.update(choices=[r[2] for r in rows], value=None),
                gr.update(choices=labels, value=[]))

    def try_examples(collection):
        """The "Try" questions for the open collection: hidden when it holds no seed document
        with examples."""
        try:
            docs = scoped(collection).documents()
        except RagError:
            docs = {}
        samples = [[q] for q in examples_for(settings.seeds_dir, docs)]
        return gr.Dataset(samples=samples, visible=bool(samples))

    def refresh(collection):
        """On page load: the collections as they are now, and the selected one's documents."""
        try:
            names = collection_names(collection)
        except RagError as exc:
            log.warning("cannot list the collections: %s", exc)
            names = [collection] if collection else []
        table_, choice_, chosen_ = document_views(collection)
        return gr.update(choices=names), table_, choice_, chosen_

    def respond(message, history, answers, top_k, answerer, collection=None, chosen=None, scopes=None,
                chat_id=None, saved=None, request: gr.Request = None):
        """Answer one turn, streaming; a finished turn is saved to the chat `chat_id` (a new one
        when there is none yet), whose id is the next to last output; the last is `saved` with
        [chat id, turn number] of this answer added (what a rating of it rates)."""
        from rag import Chat

        history = list(history or [])
        answers = list(answers or [])
        scopes = list(scopes or [])
        saved = list(saved or [])
        message = (message or "").strip()
        if not message:
            history.append({"role": "assistant", "content": error_html("Type a question first.")})
            yield history, answers, gr.skip(), "", scopes, gr.skip(), gr.skip()
            return
        history += [{"role": "user", "content": inert(message)},
                    {"role": "assistant", "content": '<div class="rag-note">🔎 Searching the documents…</div>'}]
        yield history, answers, gr.skip(), "", scopes, gr.skip(), gr.skip()
        turn = len(answers)
        try:
            eng = scoped(collection)
            user = user_of(request)
            try:
                chat = Chat(eng, answerer=answerer, store=store(), chat_id=chat_id or None, user=user,
                            documents=chosen or None)
            except BadInput:  # deleted meanwhile: carry on in a new chat
                chat = Chat(eng, answerer=answerer, store=store(), user=user, documents=chosen or None)
            chat.history = [(a.question, a) for a in answers]  # follow-ups are read against these
            stream = chat.ask_stream(message, top_k=int(top_k))
            shown = ""
            for delta in stream:  # verified sentences (LLM) or the quoted answer (offline)
                for word in re.findall(r"\S+\s*", delta):
                    shown += word
                    if shown.count(" ") % STREAM_WORDS == 0:
                        history[-1]["content"] = f'<div class="rag-answer">{inert(shown)} ▌</div>'
                        yield history, answers, gr.skip(), "", scopes, gr.skip(), gr.skip()
                        time.sleep(STREAM_PAUSE)
            result = stream.answer
            scope = {"collection": eng.settings.collection, "documents": len(eng.documents())}
        except RagError as exc:
            history[-1]["content"] = error_html(str(exc))
            yield history, answers, gr.skip(), "", scopes, gr.skip(), gr.skip()
            return
        except Exception as exc:  # never a traceback or a frozen spinner in the window
            log.exception("answering failed")
            history[-1]["content"] = error_html(f"Something went wrong ({type(exc).__name__}); see the server log.")
            yield history, answers, gr.skip(), "", scopes, gr.skip(), gr.skip()
            return
        answers.append(result)
        scopes.append(scope)
        saved.append([chat.id, chat.saved_turn])  # the number the store gave it, even if another window added one
        history[-1]["content"] = answer_html(result, turn)
        yield history, answers, evidence_html(result, turn, **scope), "", scopes, chat.id, saved

    def scope_of(scopes, turn: int) -> dict:
        """Where answer `turn` searched (collection, how many documents it held), for its panel."""
        scopes = scopes or []
        return scopes[turn] if turn < len(scopes) else {}

    def parse_target(target) -> tuple[int, int] | None:
        """The hidden textbox holds "turn:n", written by a chip click or a message selection."""
        m = re.fullmatch(r"(\d+):(\d+)", (target or "").strip())
        return (int(m.group(1)), int(m.group(2))) if m else None

    def show(target, answers, show_scores, show_removed, scopes):
        answers = answers or []
        parsed = parse_target(target)
        if parsed is None or parsed[0] >= len(answers):
            return gr.skip()
        turn, n = parsed
        return evidence_html(answers[turn], turn, n, show_scores, show_removed, **scope_of(scopes, turn))

    def redraw(target, answers, show_scores, show_removed, scopes):
        answers = answers or []
        turn, n = parse_target(target) or (len(answers) - 1, None)
        if not answers or turn >= len(answers):
            return evidence_html(None, 0)
        return evidence_html(answers[turn], turn, n, show_scores, show_removed, **scope_of(scopes, turn))

    def select_message(answers, show_scores, show_removed, scopes, evt: gr.SelectData):
        answers = answers or []
        turn = evt.index // 2 if isinstance(evt.index, int) else None
        if turn is None or turn >= len(answers):
            return gr.skip(), gr.skip()
        return evidence_html(answers[turn], turn, None, show_scores, show_removed, **scope_of(scopes, turn)), f"{turn}:0"

    def add_files(files, collection, progress=gr.Progress()):
        """Index the uploaded files that can be read; each bad one (not a Word file, empty, binary,
        too large) is named in the status line and a warning, and costs the others nothing. The
        upload box is emptied once the files were dealt with."""
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
            eng = scoped(collection, create=True)  # a new name makes the collection
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
        table_, choice_, chosen_ = document_views(collection)
        try:
            names = gr.update(choices=collection_names(eng.settings.collection))  # a new collection joins the list
        except RagError:
            names = gr.skip()
        added = f"Added {len(docs)} file(s) to collection {escape(eng.settings.collection)}: {report}."
        return (f"{added} ⚠ {escape(skipped)}" if bad else added), table_, choice_, None, chosen_, names

    def remove_file(path, collection):
        if not path:
            return refuse("Pick an indexed file to remove.", 4, status="")
        try:
            eng = scoped(collection)
            removed = eng.store.remove(path)
        except RagError as exc:
            return refuse(str(exc), 4, status="")
        uploads = eng.settings.uploads_dir.resolve()
        if Path(path).parent.resolve() == uploads:
            Path(path).unlink(missing_ok=True)
        table_, choice_, chosen_ = document_views(collection)
        return f"Removed {Path(path).name} ({removed} chunk(s)).", table_, choice_, chosen_

    def list_chats(chat_id=None, request: gr.Request = None):
        """The Chats list: the user's saved chats, newest first, the open one selected."""
        try:
            choices = chat_choices(store().list(user_of(request)))
        except RagError as exc:
            log.warning("cannot list the saved chats: %s", exc)
            return gr.skip()
        return gr.update(choices=choices, value=chat_id if chat_id in [c[1] for c in choices] else None)

    def open_chat(ref, show_scores, show_removed, request: gr.Request = None):
        """A saved chat back in the window: its messages, its answers (follow-ups are read against
        them), its collection, and its id (later turns are added to it)."""
        from rag import Chat

        if not ref:
            return refuse("Pick a saved chat first.", 11)
        try:
            chat = Chat.resume(ref, store=store(), user=user_of(request))
        except RagError as exc:
            return refuse(str(exc), 11)
        answers_ = [a for _, a in chat.history]
        scopes_ = [{"collection": chat.collection} for _ in answers_]
        saved_ = [[chat.id, n] for n in range(1, len(answers_) + 1)]
        try:
            given = {r.n: FEEDBACK[r.rating] for r in store().ratings(user_of(request), chat_id=chat.id)}
        except RagError:
            given = {}
        last = len(answers_) - 1
        panel = (evidence_html(answers_[last], last, None, show_scores, show_removed, **scopes_[last])
                 if answers_ else evidence_html(None, 0))
        messages = gr.update(value=stored_messages(chat.history),
                             feedback_value=[given.get(n) for _, n in saved_])  # its 👍/👎 shown again
        return (messages, answers_, panel, "", scopes_, chat.id, gr.update(value=chat.collection), None,
                saved_, None, "")

    def delete_chat(ref, chat_id, request: gr.Request = None):
        if not ref:
            return refuse("Pick a saved chat first.", 1)
        try:
            store().delete(ref, user_of(request))
        except RagError as exc:
            return refuse(str(exc), 1)
        return None if ref == chat_id else chat_id  # the window keeps its messages; new turns start a new chat

    def export_chat(ref, request: gr.Request = None):
        """The chat as a Markdown file to download: questions, answers, cited passages verbatim."""
        if not ref:
            return refuse("Pick a saved chat first.", 1)
        try:
            text = store().export_markdown(ref, user_of(request))
        except RagError as exc:
            return refuse(str(exc), 1)
        return str(exports.write(f"chat-{ref[:8]}.md", text))

    def rating_of(chat: str, n: int, user: str):
        """The rating of turn `n` of chat `chat`, or None."""
        return next((r for r in store().ratings(user, chat_id=chat) if r.n == n), None)

    def asked(answers, turn: int, n: int) -> str:
        """The question of the window's answer `turn` on one line (HTML-escaped), for a status line."""
        return escape(" ".join(answers[turn].question.split())) if turn < len(answers or []) else f"turn {n}"

    def not_saved(message: str) -> str:
        """A rating that could not be saved: a warning toast, and the same in the status line."""
        gr.Warning(f"Not saved: {message}")
        return f"⚠ Not saved: {escape(message)}"

    def rate_message(answers, saved, request: gr.Request = None, evt: gr.LikeData = None):
        """👍/👎 under an answer: rate its turn in the chat store; pressing the same thumb again
        undoes the rating. Returns the status line and the answer's index in the window (the
        answer a correction goes with)."""
        saved = saved or []
        turn = answer_turn(evt.value) if evt is not None else None
        if turn is None or turn >= len(saved) or not saved[turn]:
            return "Only a finished answer, saved in a chat, can be rated.", gr.skip()
        chat, n = saved[turn]
        user = user_of(request)
        question = asked(answers, turn, n)
        try:
            before = rating_of(chat, n, user)
            if evt.liked is True or evt.liked is False:
                rating = "up" if evt.liked else "down"
                store().rate(chat, n, rating, before.correction if before else "", user)  # a correction stays
                hint = " — type what it should have said below, then Save correction" if rating == "down" else ""
                return f"Rated: {THUMBS[rating]} “{question}”{hint}", turn
            if before is not None:
                store().delete_rating(before.id, user)
            return f"Rating removed: “{question}”", turn
        except RagError as exc:
            return not_saved(str(exc)), gr.skip()

    def save_correction(text, answers, saved, rated, request: gr.Request = None):
        """Attach a correction to the answer rated last (or, with none rated, the newest answer),
        keeping its 👍/👎, or rating it 👎 when it has none. Returns the status line, the emptied
        textbox and the answer's index."""
        text = (text or "").strip()
        saved = saved or []
        if not text:
            return "Type the correction first: what should the answer have said?", gr.skip(), gr.skip()
        if isinstance(rated, int) and 0 <= rated < len(saved) and saved[rated]:
            turn = rated
        else:
            turn = max((i for i, ref in enumerate(saved) if ref), default=None)
        if turn is None:
            return "Ask a question first: a correction goes with an answer.", gr.skip(), gr.skip()
        chat, n = saved[turn]
        user = user_of(request)
        try:
            before = rating_of(chat, n, user)
            rating = before.rating if before else "down"
            store().rate(chat, n, rating, text, user)
        except RagError as exc:
            return not_saved(str(exc)), gr.skip(), gr.skip()
        question = asked(answers, turn, n)
        return (f"Rated: {THUMBS[rating]} “{question}”, with the correction: {escape(' '.join(text.split()))}",
                "", turn)

    def api_ask(question: str, top_k: int = 4, answerer: str = "auto", collection: str = "",
                documents: list[str] | None = None) -> dict:
        """Answer one question over the indexed documents; returns text, citations, refused, unsupported.
        `collection` (default: the window's first) and `documents` (none: all) scope the search."""
        try:
            result = scoped(collection).ask(question, answerer=answerer, top_k=int(top_k), documents=documents or None)
        except RagError as exc:
            raise user_error(str(exc)) from None
        return result.to_json() | {"question": result.question, "answerer": result.answerer}

    # delete_cache: Gradio's copies of uploads and exports older than an hour go, hourly
    with gr.Blocks(title="rag — grounded answers", delete_cache=(3600, 3600)) as app:
        gr.Markdown("## Ask your documents")
        gr.Markdown(banner_markdown(settings), elem_id="mode-banner")
        answers = gr.State([])
        chat_id = gr.State(None)  # the saved chat this conversation is (None: saved with its first turn)
        saved = gr.State([])  # per answer: [chat id, turn number] in the chat store (None: not saved)
        rated = gr.State(None)  # the index of the answer rated last, which a correction goes with
        scopes = gr.State([])  # per answer: the collection it searched and how many documents it held
        with gr.Row():
            collection = gr.Dropdown([settings.collection], value=settings.collection, label="Collection",
                                     allow_custom_value=True, scale=1, elem_id="collection",
                                     info="type a new name, then add files under Documents, to make one")
            chosen = gr.Dropdown([], value=[], multiselect=True, label="Search only these documents (none: all)",
                                 scale=3, elem_id="doc-filter")
        with gr.Tabs():
            with gr.Tab("Chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Conversation", height=480, elem_id="chat",
                                             buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"))
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask about your documents…", show_label=False,
                                             scale=5, elem_id="question", max_length=2000)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        with gr.Row(equal_height=True):
                            correction = gr.Textbox(label="Correction (optional)", scale=5, elem_id="correction",
                                                    max_length=2000, placeholder="What should the answer have said?",
                                                    info="the thumbs under an answer rate it; a correction goes "
                                                         "with the answer rated last")
                            save_fix = gr.Button("Save correction", scale=1, elem_id="save-correction")
                        feedback_status = gr.Markdown(elem_id="feedback-status")
                        examples = gr.Dataset(components=[box], samples=[], label="Try", visible=False,
                                              elem_id="examples")
                        with gr.Accordion("Chats", open=False, elem_id="chats"):
                            chat_list = gr.Radio([], label="Saved chats (newest first)", elem_id="chat-list")
                            with gr.Row():
                                open_btn = gr.Button("Open", elem_id="chat-open")
                                clear = gr.Button("New chat", elem_id="new-chat")
                                delete_btn = gr.Button("Delete", variant="stop", elem_id="chat-delete")
                                export_btn = gr.Button("Export", elem_id="chat-export")
                            export_file = gr.File(label="Markdown export", interactive=False, elem_id="chat-file")
                        with gr.Accordion("Settings", open=False):
                            top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages retrieved (top-k)")
                            answerer = gr.Radio(["auto", "extractive", "llm"], value=settings.answerer,
                                                label="Answerer (llm needs an LLM configured)")
                    with gr.Column(scale=2):
                        gr.Markdown("### Evidence")
                        with gr.Row():
                            show_scores = gr.Checkbox(False, label="retrieval scores", elem_id="show-scores")
                            show_removed = gr.Checkbox(True, label="removed sentences")
                        evidence = gr.HTML(evidence_html(None, 0), elem_id="evidence")
                        target = gr.Textbox(elem_id="cite-target", elem_classes=["rag-hidden"], show_label=False)
                        show_btn = gr.Button("show", elem_id="cite-show", elem_classes=["rag-hidden"])
            with gr.Tab("Documents", id="documents") as docs_tab:
                table = gr.Dataframe(headers=["file", "chunks", "path"], interactive=False, elem_id="doc-table")
                upload = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                                 label=f"Add documents: {', '.join(UPLOAD_SUFFIXES)} "
                                       f"(up to {MAX_UPLOAD_BYTES // 2**20} MiB each)",
                                 elem_id="upload")
                add_btn = gr.Button("Add to index", variant="primary", elem_id="add-docs")
                status = gr.Markdown(elem_id="doc-status")
                choice = gr.Dropdown(label="Indexed file", choices=[], elem_id="doc-choice")
                remove_btn = gr.Button("Remove from index", variant="stop")

        inputs = [box, chatbot, answers, top_k, answerer, collection, chosen, scopes, chat_id, saved]
        outputs = [chatbot, answers, evidence, box, scopes, chat_id, saved]
        for ask_event in (send.click, box.submit):
            ask_event(respond, inputs, outputs, api_visibility="private").then(
                list_chats, chat_id, chat_list, api_visibility="private")
        clear.click(lambda: (gr.update(value=[], feedback_value=None), [], evidence_html(None, 0), "", [], None,
                             gr.update(value=None), [], None, "", ""), None,
                    [chatbot, answers, evidence, target, scopes, chat_id, chat_list, saved, rated, feedback_status,
                     correction], api_visibility="private")
        open_btn.click(open_chat, [chat_list, show_scores, show_removed],
                       [chatbot, answers, evidence, target, scopes, chat_id, collection, export_file, saved, rated,
                        feedback_status], api_visibility="private")
        chatbot.like(rate_message, [answers, saved], [feedback_status, rated], api_visibility="private")
        for fix_event in (save_fix.click, correction.submit):
            fix_event(save_correction, [correction, answers, saved, rated], [feedback_status, correction, rated],
                      api_visibility="private")
        delete_btn.click(delete_chat, [chat_list, chat_id], chat_id, api_visibility="private").then(
            list_chats, chat_id, chat_list, api_visibility="private")
        export_btn.click(export_chat, chat_list, export_file, api_visibility="private")
        panel = [target, answers, show_scores, show_removed, scopes]
        show_btn.click(show, panel, evidence, api_visibility="private").then(None, None, None, js=SCROLL_JS)
        for toggle in (show_scores, show_removed):
            toggle.change(redraw, panel, evidence, api_visibility="private")
        chatbot.select(select_message, [answers, show_scores, show_removed, scopes], [evidence, target],
                       api_visibility="private")
        views = [table, choice, chosen]
        app.load(refresh, collection, [collection, *views], api_visibility="private")
        app.load(list_chats, chat_id, chat_list, api_visibility="private")
        collection.change(document_views, collection, views, api_visibility="private")
        for shown in (app.load, collection.change):
            shown(try_examples, collection, examples, api_visibility="private")
        examples.click(lambda sample: sample[0], examples, box, api_visibility="private")
        docs_tab.select(document_views, collection, views, api_visibility="private")
        add_btn.click(add_files, [upload, collection], [status, table, choice, upload, chosen, collection],
                      api_visibility="private").then(try_examples, collection, examples, api_visibility="private")
        remove_btn.click(remove_file, [choice, collection], [status, *views], api_visibility="private").then(
            try_examples, collection, examples, api_visibility="private")
        gr.api(api_ask, api_name="ask")
    app.queue(default_concurrency_limit=concurrency_limit())
    return app


def concurrency_limit() -> int:
    """Events answered at once (RAG_UI_CONCURRENCY). Default 2, one per core: answering is
    CPU-bound, and eval/benchmarks/load_test.py (50 sessions, 60 s, 2 cores) measured the same
    throughput with 8 (19.6 vs 18.9 requests/s) but a worse p95 (4.0 s vs 4.4 s)."""
    import os

    raw = os.environ.get("RAG_UI_CONCURRENCY", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 2


def launch_options(settings) -> dict:
    auth = (settings.ui_username, settings.ui_password) if settings.ui_username and settings.ui_password else None
    # quiet: `rag ui` prints its own address line; Gradio's would add "set share=True to create a
    # public link", which contradicts sharing being off on purpose
    # max_file_size: the upload route itself refuses a larger file (413) before writing it to disk
    return {"css": CSS, "head": HEAD, "auth": auth, "share": False, "quiet": True, "max_file_size": MAX_UPLOAD_BYTES}


def launch(host: str = "127.0.0.1", port: int = 7860, engine=None, block: bool = True):
    from rag.settings import Settings

    settings = engine.settings if engine is not None else Settings.from_env()
    app = build_app(engine)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=not block, **launch_options(settings))
    return app
