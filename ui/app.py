"""The Gradio chat window: a thin layer over rag.Engine.

build_app() returns the Blocks without starting a server (tests build it freely); launch()
serves it. The window is in three parts:
  ui/window.py  what happens on each event (Window: one method per handler, plain Python);
  ui/state.py   what a session remembers between events (WindowState, one gr.State);
  ui/app.py     where the components go (_header, _chat_tab, _documents_tab) and which event
                calls which method (_wire); nothing else.
The chat streams; the evidence panel shows what the selected answer cites, in place in its
document. A collection selector and a documents multi-select (none chosen: all) scope the
questions and the Documents tab; switching collection loads no model (Engine.for_collection). A
REST endpoint `/ask` (gradio_client: client.predict(..., api_name="/ask")) answers headless
callers. Each conversation is a rag.Chat saved in the data folder's ChatStore (per logged-in
user, '' without login); the Chats panel lists, opens, deletes and exports the saved ones. 👍/👎
under an answer rate its turn; a correction typed below goes with the answer rated last.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from .assets import CSS, HEAD, SCROLL_JS
from .render import banner_markdown, evidence_html
from .state import WindowState
from .uploads import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES
from .window import Window

PRIVATE = {"api_visibility": "private"}  # the window's own events: not part of the REST API


def build_app(engine=None, public: bool = False) -> gr.Blocks:
    """`public`: the window is served to others (not on loopback, or behind a login)."""
    window = Window(engine, public=public)
    # delete_cache: Gradio's copies of uploads and exports older than an hour go, hourly
    with gr.Blocks(title="rag — grounded answers", delete_cache=(3600, 3600)) as app:
        c = _header(window.settings)
        with gr.Tabs():
            with gr.Tab("Chat"):
                _chat_tab(c, window.settings)
            with gr.Tab("Documents", id="documents") as c.docs_tab:
                _documents_tab(c)
        _wire(app, c, window)
        gr.api(window.api_ask, api_name="ask")
    app.queue(default_concurrency_limit=concurrency_limit())
    return app


def _header(settings) -> SimpleNamespace:
    """The title, the mode banner, the session's state, and the collection and document pickers."""
    gr.Markdown("## Ask your documents")
    gr.Markdown(banner_markdown(settings), elem_id="mode-banner")
    c = SimpleNamespace(state=gr.State(WindowState()))
    with gr.Row():
        c.collection = gr.Dropdown([settings.collection], value=settings.collection, label="Collection",
                                   allow_custom_value=True, scale=1, elem_id="collection",
                                   info="type a new name, then add files under Documents, to make one")
        c.chosen = gr.Dropdown([], value=[], multiselect=True, label="Search only these documents (none: all)",
                               scale=3, elem_id="doc-filter")
    return c


def _chat_tab(c: SimpleNamespace, settings) -> None:
    """The conversation, the question box, ratings, examples, saved chats, settings; the evidence panel."""
    with gr.Row():
        with gr.Column(scale=3):
            c.chatbot = gr.Chatbot(label="Conversation", height=480, elem_id="chat",
                                   buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"))
            with gr.Row():
                c.box = gr.Textbox(placeholder="Ask about your documents…", show_label=False,
                                   scale=5, elem_id="question", max_length=2000)
                c.send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            with gr.Row(equal_height=True):
                c.correction = gr.Textbox(label="Correction (optional)", scale=5, elem_id="correction",
                                          max_length=2000, placeholder="What should the answer have said?",
                                          info="the thumbs under an answer rate it; a correction goes "
                                               "with the answer rated last")
                c.save_fix = gr.Button("Save correction", scale=1, elem_id="save-correction")
            c.feedback_status = gr.Markdown(elem_id="feedback-status")
            c.examples = gr.Dataset(components=[c.box], samples=[], label="Try", visible=False, elem_id="examples")
            with gr.Accordion("Chats", open=False, elem_id="chats"):
                c.chat_list = gr.Radio([], label="Saved chats (newest first)", elem_id="chat-list")
                with gr.Row():
                    c.open_btn = gr.Button("Open", elem_id="chat-open")
                    c.clear = gr.Button("New chat", elem_id="new-chat")
                    c.delete_btn = gr.Button("Delete", variant="stop", elem_id="chat-delete")
                    c.export_btn = gr.Button("Export", elem_id="chat-export")
                c.export_file = gr.File(label="Markdown export", interactive=False, elem_id="chat-file")
            with gr.Accordion("Settings", open=False):
                c.top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages retrieved (top-k)")
                c.answerer = gr.Radio(["auto", "extractive", "llm"], value=settings.answerer,
                                      label="Answerer (llm needs an LLM configured)")
        with gr.Column(scale=2):
            gr.Markdown("### Evidence")
            with gr.Row():
                c.show_scores = gr.Checkbox(False, label="retrieval scores", elem_id="show-scores")
                c.show_removed = gr.Checkbox(True, label="removed sentences")
            c.evidence = gr.HTML(evidence_html(None, 0), elem_id="evidence")
            # a citation chip's click writes "turn:n" here and presses the hidden button (assets.HEAD)
            c.target = gr.Textbox(elem_id="cite-target", elem_classes=["rag-hidden"], show_label=False)
            c.show_btn = gr.Button("show", elem_id="cite-show", elem_classes=["rag-hidden"])


def _documents_tab(c: SimpleNamespace) -> None:
    """The collection's documents: the table, the upload box, the file to remove."""
    c.table = gr.Dataframe(headers=["file", "chunks", "path"], interactive=False, elem_id="doc-table")
    c.upload = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                       label=f"Add documents: {', '.join(UPLOAD_SUFFIXES)} (up to {MAX_UPLOAD_BYTES // 2**20} MiB each)",
                       elem_id="upload")
    c.add_btn = gr.Button("Add to index", variant="primary", elem_id="add-docs")
    with gr.Row(equal_height=True):
        c.link = gr.Textbox(label="Add a link (a web page: its main text, title, outlet and date)", scale=5,
                            placeholder="https://…", elem_id="link", max_length=2000)
        c.add_link = gr.Button("Add link", scale=1, elem_id="add-link")
    c.status = gr.Markdown(elem_id="doc-status")
    c.choice = gr.Dropdown(label="Indexed file", choices=[], elem_id="doc-choice")
    c.remove_btn = gr.Button("Remove from index", variant="stop")


def _wire(app: gr.Blocks, c: SimpleNamespace, w: Window) -> None:
    """Which event calls which Window method, with which inputs and outputs."""
    for ask_event in (c.send.click, c.box.submit):
        ask_event(w.respond, [c.box, c.chatbot, c.state, c.top_k, c.answerer, c.collection, c.chosen],
                  [c.chatbot, c.state, c.evidence, c.box], **PRIVATE).then(w.list_chats, c.state, c.chat_list, **PRIVATE)
    c.clear.click(w.new_chat, None, [c.chatbot, c.state, c.evidence, c.target, c.chat_list, c.feedback_status,
                                     c.correction], **PRIVATE)
    c.open_btn.click(w.open_chat, [c.chat_list, c.show_scores, c.show_removed],
                     [c.chatbot, c.state, c.evidence, c.target, c.collection, c.export_file, c.feedback_status],
                     **PRIVATE)
    c.chatbot.like(w.rate_message, c.state, [c.feedback_status, c.state], **PRIVATE)
    for fix_event in (c.save_fix.click, c.correction.submit):
        fix_event(w.save_correction, [c.correction, c.state], [c.feedback_status, c.correction, c.state], **PRIVATE)
    c.delete_btn.click(w.delete_chat, [c.chat_list, c.state], c.state, **PRIVATE).then(
        w.list_chats, c.state, c.chat_list, **PRIVATE)
    c.export_btn.click(w.export_chat, c.chat_list, c.export_file, **PRIVATE)
    panel = [c.target, c.state, c.show_scores, c.show_removed]
    c.show_btn.click(w.show, panel, c.evidence, **PRIVATE).then(None, None, None, js=SCROLL_JS)
    for toggle in (c.show_scores, c.show_removed):
        toggle.change(w.redraw, panel, c.evidence, **PRIVATE)
    c.chatbot.select(w.select_message, [c.state, c.show_scores, c.show_removed], [c.evidence, c.target], **PRIVATE)
    views = [c.table, c.choice, c.chosen]
    app.load(w.refresh, c.collection, [c.collection, *views], **PRIVATE)
    app.load(w.list_chats, c.state, c.chat_list, **PRIVATE)
    c.collection.change(w.document_views, c.collection, views, **PRIVATE)
    for shown in (app.load, c.collection.change):
        shown(w.try_examples, c.collection, c.examples, **PRIVATE)
    c.examples.click(lambda sample: sample[0], c.examples, c.box, **PRIVATE)
    c.docs_tab.select(w.document_views, c.collection, views, **PRIVATE)
    c.add_btn.click(w.add_files, [c.upload, c.collection], [c.status, c.table, c.choice, c.upload, c.chosen, c.collection],
                    **PRIVATE).then(w.try_examples, c.collection, c.examples, **PRIVATE)
    for link_event in (c.add_link.click, c.link.submit):
        link_event(w.add_link, [c.link, c.collection], [c.status, c.table, c.choice, c.link, c.chosen, c.collection],
                   **PRIVATE)
    c.remove_btn.click(w.remove_file, [c.choice, c.collection], [c.status, *views], **PRIVATE).then(
        w.try_examples, c.collection, c.examples, **PRIVATE)


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


def served_to_others(host: str, auth) -> bool:
    """A window others can reach: bound to an address other than loopback, or behind a login."""
    import ipaddress

    if auth:
        return True
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: whoever it names may reach the window


def launch(host: str = "127.0.0.1", port: int = 7860, engine=None, block: bool = True):
    from rag.settings import Settings

    settings = engine.settings if engine is not None else Settings.from_env()
    options = launch_options(settings)
    app = build_app(engine, public=served_to_others(host, options["auth"]))
    app.launch(server_name=host, server_port=port, prevent_thread_lock=not block, **options)
    return app
