"""Saved chats (rag.chats.ChatStore): turns round-trip with their citations, listing, deletion,
export, ownership, concurrent appends, listing speed; Chat with a store and Chat.resume;
and the `rag chat` / `rag chats` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from rag import Chat
from rag.answer import Answer, Citation, Passage
from rag.answering.engine import AnswerStream
from rag.chats import FILE_NAME, SCHEMA_VERSION, ChatStore, title_of
from rag.errors import BadInput
from rag.settings import Settings
from tests.conftest import ROOT, SEED
from tests.test_cli_newcomer import one_line_error

SEED_TEXT = SEED.read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path):
    return ChatStore(tmp_path / FILE_NAME)


def passage(number: int, needle: str, length: int = 160) -> Passage:
    """A passage of the seed article starting at `needle`, with its true offsets."""
    start = SEED_TEXT.index(needle)
    end = min(start + length, len(SEED_TEXT))
    return Passage(number, f"p{number}", SEED_TEXT[start:end], SEED.name, str(SEED), "", start, end, 0.5)


def cited_answer(question: str = "Who is Sergey Lavrov?") -> Answer:
    cited = [passage(1, "Lavrov"), passage(2, "Beijing")]
    uncited = passage(3, "Xi", 40)
    return Answer(text="Sergey Lavrov is the Russian Foreign Minister. [1] The summit was in Beijing. [2]",
                  citations=[Citation.of(p) for p in cited], question=question, passages=cited + [uncited],
                  answerer="extractive", notice="Offline extractive mode", unsupported=["He likes tea."],
                  timings_ms={"total": 3.0})


def test_a_turn_round_trips_with_its_citations(store):
    chat_id = store.create()
    a = cited_answer()
    assert store.append(chat_id, "who's lavrov", a) == 1
    [(question, back)] = store.load(chat_id)
    assert question == "who's lavrov"
    assert back.citations == a.citations and all(isinstance(c, Citation) for c in back.citations)
    for c in back.citations:
        assert SEED_TEXT[c.start:c.end] == c.text
    assert (back.text, back.question, back.refused, back.unsupported, back.notice, back.answerer) == \
        (a.text, a.question, a.refused, a.unsupported, a.notice, a.answerer)
    assert back.passages == a.passages[:2]  # only the cited passages are kept
    assert a.to_json() == back.to_json()  # the contract fields are unchanged


def test_list_is_newest_first_with_titles_and_turn_counts(store):
    ids = [store.create() for _ in range(3)]
    long_question = "Why " + "really " * 30 + "did they meet?"
    for chat_id, q in zip(ids, ["First question?", "Second question?", long_question]):
        store.append(chat_id, q, cited_answer(q))
    store.append(ids[0], "A follow-up?", cited_answer())  # the first chat is now the latest updated
    chats = store.list()
    assert [c.id for c in chats] == [ids[0], ids[2], ids[1]]
    assert [c.turns for c in chats] == [2, 1, 1]
    assert chats[0].title == "First question?"  # the first question, not the latest
    assert len(chats[1].title) <= 80 and chats[1].title.startswith("Why really") and chats[1].title.endswith("…")
    assert chats[0].updated >= chats[0].created
    assert title_of("x" * 100) == "x" * 79 + "…"  # no space to cut at
    assert [c.id for c in store.list(limit=1, offset=1)] == [ids[2]]


def test_delete_removes_the_chat_and_its_turns(store):
    keep, gone = store.create(), store.create()
    for chat_id in (keep, gone):
        store.append(chat_id, "Who is Sergey Lavrov?", cited_answer())
    store.delete(gone)
    assert [c.id for c in store.list()] == [keep]
    with pytest.raises(BadInput, match="no chat"):
        store.load(gone)
    with pytest.raises(BadInput, match="no chat"):
        store.delete(gone)
    assert len(store.load(keep)) == 1


def test_markdown_export_quotes_each_cited_passage_verbatim_with_offsets(store):
    chat_id = store.create()
    a = cited_answer()
    store.append(chat_id, "Who is Sergey Lavrov?", a)
    md = shown(store.export_markdown(chat_id))  # as a Markdown viewer shows it
    assert "Who is Sergey Lavrov?" in md and a.text in md  # the answer with its [n] markers
    assert "Sources" in md
    for c in a.citations:
        assert f"[{c.number}] `{c.source}`, characters {c.start}–{c.end}" in md
        for line in c.text.split("\n"):
            assert line in md
    assert "He likes tea." in md  # what the guard removed, said as such
    assert a.passages[2].text not in md  # the uncited passage is not quoted


def shown(md: str) -> str:
    """The text a Markdown viewer shows for `md`'s escaped characters."""
    import html
    import re

    return html.unescape(re.sub(r"\\(.)", r"\1", md))


def test_markdown_export_writes_html_and_images_inert(store):
    """A question, an answer and a passage holding HTML or a Markdown image: the file shows them
    as text, so no viewer runs the HTML or loads the image."""
    chat_id = store.create()
    evil = '<img src=x onerror="alert(1)"> ![x](http://127.0.0.1:9/leak?q=chat)'
    from dataclasses import replace

    a = cited_answer()
    a.text = f"Lavrov is the minister {evil} [1]."
    a.citations[0] = replace(a.citations[0], text=f"Passage {evil}", heading="<b>head</b>")
    store.append(chat_id, f"Who? {evil}", a)
    md = store.export_markdown(chat_id)
    assert "<img" not in md and "<b>" not in md and "![" not in md and "](" not in md
    assert evil in shown(md)  # shown as written


def test_json_export_holds_every_turn(store):
    chat_id = store.create()
    store.append(chat_id, "Who is Sergey Lavrov?", cited_answer())
    store.append(chat_id, "What did he call it?", cited_answer("What did Sergey Lavrov call it?"))
    out = json.loads(json.dumps(store.export_json(chat_id)))
    assert out["id"] == chat_id and out["title"] == "Who is Sergey Lavrov?"
    assert [(t["n"], t["question"], t["standalone"]) for t in out["turns"]] == [
        (1, "Who is Sergey Lavrov?", "Who is Sergey Lavrov?"),
        (2, "What did he call it?", "What did Sergey Lavrov call it?")]
    c = out["turns"][0]["answer"]["citations"][0]
    assert set(c) >= {"number", "text", "source", "path", "start", "end", "heading"}
    assert SEED_TEXT[c["start"]:c["end"]] == c["text"]


def test_unknown_ids_and_other_users_chats_are_not_found(store):
    mine = store.create(user="alice")
    store.append(mine, "Who is Sergey Lavrov?", cited_answer())
    for call in (store.load, store.delete, store.export_markdown, store.export_json, store.summary):
        with pytest.raises(BadInput, match="no chat 0123abcd"):
            call("0123abcd")
        with pytest.raises(BadInput, match=f"no chat {mine}"):
            call(mine, user="bob")
    with pytest.raises(BadInput, match="no chat"):
        store.append("0123abcd", "q?", cited_answer())
    assert store.list() == [] and store.list(user="bob") == []
    assert [c.id for c in store.list(user="alice")] == [mine]
    assert store.find(mine[:6], user="alice") == mine and store.find("last", user="alice") == mine
    for ref in (mine[:6], "last", "not-hex!"):
        with pytest.raises(BadInput):
            store.find(ref, user="bob")
    assert len(store.load(mine, user="alice")) == 1


def test_an_ambiguous_prefix_is_refused(store):
    a, b = store.create(chat_id="abc" + "0" * 29), store.create(chat_id="abd" + "0" * 29)
    assert store.find("abc") == a and store.find("ABD") == b
    with pytest.raises(BadInput, match="more than one"):
        store.find("ab")


APPENDER = """
import os, sys, time
from rag.answer import Answer
from rag.chats import ChatStore
store, chat_id, who, go = ChatStore(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
while not os.path.exists(go):  # both start together
    time.sleep(0.002)
for i in range(50):
    store.append(chat_id, f"{who} question {i}", Answer(f"{who} answer {i}"))
"""


class SlowStore(ChatStore):
    """Each statement waits a millisecond (a slow disk): concurrent transactions overlap for sure."""

    def _conn(self):
        conn = super()._conn()
        conn.set_trace_callback(lambda statement: time.sleep(0.001))
        return conn


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_concurrent_appends_neither_lose_nor_duplicate_a_turn(store, how, tmp_path):
    chat_id = store.create()
    if how == "threads":
        both = threading.Barrier(2)

        def write(who):
            mine = SlowStore(store.path)  # its own store, as a second window would have
            both.wait()
            for i in range(50):
                mine.append(chat_id, f"{who} question {i}", Answer(f"{who} answer {i}"))

        workers = [threading.Thread(target=write, args=(who,)) for who in ("a", "b")]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    else:
        go = tmp_path / "go"
        procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(store.path), chat_id, who, str(go)], cwd=ROOT)
                 for who in ("a", "b")]
        time.sleep(0.5)
        go.touch()
        assert [p.wait(timeout=120) for p in procs] == [0, 0]
    out = store.export_json(chat_id)
    assert [t["n"] for t in out["turns"]] == list(range(1, 101))
    assert len({t["question"] for t in out["turns"]}) == 100
    for who in ("a", "b"):  # each writer's turns in its own order
        mine = [t["question"] for t in out["turns"] if t["question"].startswith(who)]
        assert mine == [f"{who} question {i}" for i in range(50)]


def test_listing_a_thousand_chats_is_fast(store):
    for i in range(1000):
        store.append(store.create(), f"Question number {i}?", Answer(f"Answer {i}."))
    t0 = time.perf_counter()
    chats = store.list(limit=1000)
    seconds = time.perf_counter() - t0
    print(f"\nlisting 1,000 saved chats took {seconds * 1e3:.1f} ms")
    assert len(chats) == 1000 and chats[0].title == "Question number 999?" and chats[-1].turns == 1
    assert seconds < 0.3


def test_the_store_lives_in_the_data_folder_in_wal_mode(tmp_path):
    import sqlite3

    store = ChatStore.for_settings(Settings(data_dir=tmp_path / "data"))
    assert store.path == tmp_path / "data" / FILE_NAME
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert "chats_by_user_updated" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    ChatStore(store.path)  # opening it again keeps one version row
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


class EchoEngine:
    """Answers "About <question>." and records the history each question came with."""

    def __init__(self):
        self.histories = []

    def ask_stream(self, question, history, answerer=None, top_k=None):
        self.histories.append(list(history))

        def steps():
            yield f"About {question}."
            return Answer(f"About {question}.", question=f"{question} (standalone)")

        return AnswerStream(steps())


def test_chat_with_a_store_saves_each_turn_and_resumes_with_its_history(store):
    engine = EchoEngine()
    chat = Chat(engine, store=store)
    assert chat.id and store.list() == []  # created with its first turn, not before
    chat.ask("One?")
    stream = chat.ask_stream("Two?")
    assert store.summary(chat.id).turns == 1  # a turn is saved once finished
    "".join(stream)
    assert store.summary(chat.id).turns == 2

    again = Chat.resume(chat.id[:8], store=store, engine=engine)
    assert again.id == chat.id
    assert [(q, a.question, a.text) for q, a in again.history] == \
        [(q, a.question, a.text) for q, a in chat.history]
    again.ask("Three?")
    assert engine.histories[-1] == [("One? (standalone)", "About One?."), ("Two? (standalone)", "About Two?.")]
    assert [q for q, _ in store.load(chat.id)] == ["One?", "Two?", "Three?"]

    again.reset()  # starts a new chat; the old one stays
    assert again.id != chat.id
    again.ask("Four?")
    assert [c.turns for c in store.list()] == [1, 3]
    with pytest.raises(BadInput, match="no chat"):
        Chat(engine, store=store, chat_id="0123abcd")


def test_resume_last_is_the_newest_chat_of_the_collection_never_another_ones(store, monkeypatch):
    """A chat in the default collection, then a newer one (the window's, say) in another:
    Chat.resume("last") continues the default collection's, as RAG_COLLECTION says otherwise."""
    engine = EchoEngine()
    mine = Chat(engine, store=store)
    mine.ask("Where did they meet?")
    other = store.create("", "letters")
    store.append(other, "Who wrote the letter?", Answer("About it."))
    assert store.list()[0].id == other  # the newest of all is the other collection's
    assert Chat.resume("last", store=store, engine=engine).id == mine.id
    assert Chat.resume("last", store=store, engine=engine, collection="letters").id == other
    monkeypatch.setenv("RAG_COLLECTION", "letters")
    assert Chat.resume("last", store=store, engine=engine).id == other
    with pytest.raises(BadInput, match="is in collection letters, not default"):
        Chat.resume(other, store=store, engine=engine, collection="default")
    with pytest.raises(BadInput, match="no saved chats of collection notes"):
        Chat.resume("last", store=store, engine=engine, collection="notes")


def test_chat_without_a_store_is_unchanged():
    engine = EchoEngine()
    chat = Chat(engine)
    chat.ask("One?")
    chat.reset()
    assert chat.id is None and chat.history == []


@pytest.mark.integration
def test_a_resumed_chat_reads_follow_ups_against_the_saved_turns(tmp_path):
    from rag.answering.engine import Engine

    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx")})
    engine = Engine(settings)
    store = ChatStore.for_settings(settings)
    first = Chat(engine, store=store)
    assert "Foreign Minister" in first.ask("Who is Sergey Lavrov?").text

    later = Chat.resume("last", store=ChatStore.for_settings(settings), engine=engine)  # as after a restart
    second = later.ask("What did he call the relationship?")
    assert "Lavrov" in second.question
    assert second.question == "What did Sergey Lavrov call the relationship?"
    assert "duet" in second.text
    assert [q for q, _ in store.load(first.id)] == ["Who is Sergey Lavrov?", "What did he call the relationship?"]


def rag(*args, data_dir, stdin=None):
    env = dict(os.environ, RAG_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300, input=stdin)


@pytest.mark.integration
def test_cli_saves_lists_resumes_exports_and_deletes_chats(tmp_path):
    data = tmp_path / "idx"
    r = rag("chat", data_dir=data, stdin="Who is Sergey Lavrov?\n")
    assert r.returncode == 0, r.stderr
    assert "Foreign Minister" in r.stdout

    r = rag("chats", data_dir=data)
    assert r.returncode == 0, r.stderr
    [row] = [line for line in r.stdout.splitlines() if "Who is Sergey Lavrov?" in line]
    prefix = row.split()[0]
    assert len(prefix) == 8 and "1 turn(s)" in row

    r = rag("chat", "--resume", prefix[:5], data_dir=data, stdin="What did he call the relationship?\n")
    assert r.returncode == 0, r.stderr
    assert "(understood as: What did Sergey Lavrov call the relationship?)" in r.stdout
    assert "duet" in r.stdout
    assert "2 turn(s)" in rag("chats", data_dir=data).stdout

    r = rag("chats", "--export", prefix, data_dir=data)
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert "## 1. Who is Sergey Lavrov?" in md and "## 2. What did he call the relationship?" in md
    out = tmp_path / "chat.json"
    r = rag("chats", "--export", "last", "--format", "json", "--out", str(out), data_dir=data)
    assert r.returncode == 0 and str(out) in r.stdout
    chat = json.loads(out.read_text(encoding="utf-8"))
    assert chat["id"].startswith(prefix) and len(chat["turns"]) == 2
    cited = [c for t in chat["turns"] for c in t["answer"]["citations"]]
    assert cited
    for c in cited:  # each quoted verbatim in the Markdown, with its offsets into the file
        assert SEED_TEXT[c["start"]:c["end"]] == c["text"]
        assert f"`{SEED.name}`, characters {c['start']}–{c['end']}" in md
        assert all(line in md for line in c["text"].split("\n"))

    for args in (("chat", "--resume", "0123abcd"), ("chats", "--export", "0123abcd"), ("chats", "--delete", "zz")):
        assert "no chat" in one_line_error(rag(*args, data_dir=data))
    assert "--export" in one_line_error(rag("chats", "--format", "json", data_dir=data))

    r = rag("chats", "--delete", prefix, data_dir=data)
    assert r.returncode == 0 and "deleted chat" in r.stdout
    assert "no saved chats" in rag("chats", data_dir=data).stdout
    assert "no chat" in one_line_error(rag("chat", "--resume", prefix, data_dir=data))
