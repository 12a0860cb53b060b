"""Ratings of answers (ChatStore.rate / ratings / delete_rating): up or down with a correction,
re-rating, ratings outliving their chat, bad input, per-user isolation, chat files made before
ratings existed; and `rag feedback` and `rag chat`'s /up and /down."""

from __future__ import annotations

import json
import sqlite3

import pytest

from rag.answer import Answer, Citation
from rag.chats import FILE_NAME, SCHEMA_VERSION, ChatStore, Rating, answer_record
from rag.errors import BadInput
from tests.conftest import SEED
from tests.test_chats import SEED_TEXT, cited_answer, rag
from tests.test_cli_newcomer import one_line_error


@pytest.fixture
def store(tmp_path):
    return ChatStore(tmp_path / FILE_NAME)


def two_turns(store, user: str = "", collection: str = "default") -> str:
    """A chat of two turns, the second a follow-up understood against the first."""
    chat_id = store.create(user, collection)
    store.append(chat_id, "Who is Sergey Lavrov?", cited_answer())
    store.append(chat_id, "What did he call it?", cited_answer("What did Sergey Lavrov call it?"))
    return chat_id


def test_a_rating_keeps_the_turn_the_answer_and_the_correction(store):
    chat_id = two_turns(store, collection="news")
    rating_id = store.rate(chat_id, 2, "down", "  He called it a duet.  ")
    [r] = store.ratings()
    assert isinstance(r, Rating) and r.id == rating_id
    assert (r.user, r.chat_id, r.n, r.collection, r.rating, r.correction) == (
        "", chat_id, 2, "news", "down", "He called it a duet.")
    assert (r.question, r.standalone) == ("What did he call it?", "What did Sergey Lavrov call it?")
    a = cited_answer("What did Sergey Lavrov call it?")
    assert json.loads(r.answer_json) == json.loads(json.dumps(answer_record(a)))
    assert r.answer.text == a.text and r.answer.citations == a.citations
    assert all(isinstance(c, Citation) and SEED_TEXT[c.start:c.end] == c.text for c in r.answer.citations)
    assert r.answer.question == "What did Sergey Lavrov call it?"
    assert r.created > 0


def test_a_comment_is_kept_apart_and_never_becomes_a_fact_to_check(store):
    from eval.harness.feedback import case_of

    chat_id = two_turns(store)
    store.rate(chat_id, 2, "down", comment="wrong")
    [r] = store.ratings()
    assert (r.rating, r.correction, r.comment) == ("down", "", "wrong")
    case = case_of(r)
    assert case.turns[0].key_facts == () and "wrong" not in case.turns[0].reference_answer
    store.rate(chat_id, 2, "down", "He called it a duet.", comment="wrong")
    assert case_of(store.ratings()[0]).turns[0].key_facts == ("He called it a duet",)


def test_a_store_of_schema_1_with_ratings_is_migrated_once(tmp_path):
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA + """
CREATE TABLE ratings (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL DEFAULT '', chat_id TEXT NOT NULL,
    n INTEGER NOT NULL, collection TEXT NOT NULL DEFAULT 'default', question TEXT NOT NULL, standalone TEXT NOT NULL,
    answer_json TEXT NOT NULL, rating TEXT NOT NULL, correction TEXT NOT NULL DEFAULT '', created REAL NOT NULL,
    UNIQUE (chat_id, n));
INSERT INTO ratings (chat_id, n, question, standalone, answer_json, rating, correction, created)
    VALUES ('abc', 1, 'Who is Sergey Lavrov?', 'Who is Sergey Lavrov?', '{"text": "A minister."}', 'down', 'He is the minister.', 2.0);
""")
    [r] = ChatStore(path).ratings()
    assert (r.rating, r.correction, r.comment) == ("down", "He is the minister.", "")
    ChatStore(path).rate("abc", 1, "down", comment="too short")  # opened again: no second migration
    assert ChatStore(path).ratings()[0].comment == "too short"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_rating_a_turn_again_replaces_its_rating(store):
    chat_id = two_turns(store)
    first = store.rate(chat_id, 1, "down", "He is the foreign minister.")
    other = store.rate(chat_id, 2, "UP")  # the case does not matter
    assert store.rate(chat_id, 1, "up") == first  # the same rating, changed
    ratings = store.ratings()
    assert [(r.id, r.n, r.rating, r.correction) for r in ratings] == [(first, 1, "up", ""), (other, 2, "up", "")]


def test_ratings_are_listed_newest_first_and_by_collection(store):
    news, notes = two_turns(store, collection="news"), two_turns(store, collection="notes")
    store.rate(news, 1, "up")
    store.rate(notes, 2, "down")
    store.rate(news, 2, "down", "It was a duet.")
    assert [(r.chat_id, r.n) for r in store.ratings()] == [(news, 2), (notes, 2), (news, 1)]
    assert [(r.chat_id, r.n) for r in store.ratings(collection="news")] == [(news, 2), (news, 1)]
    assert [(r.chat_id, r.n) for r in store.ratings(chat_id=notes)] == [(notes, 2)]
    assert store.ratings(collection="nowhere") == []


def test_ratings_outlive_their_chat(store):
    chat_id = two_turns(store)
    store.rate(chat_id, 2, "down", "It was a duet.")
    store.delete(chat_id)
    with pytest.raises(BadInput, match="no chat"):
        store.load(chat_id)
    [r] = store.ratings()
    assert (r.chat_id, r.n, r.question, r.correction) == (chat_id, 2, "What did he call it?", "It was a duet.")
    assert r.answer.citations and r.answer.citations[0].source == SEED.name
    with pytest.raises(BadInput, match="no chat"):  # its turns are gone: it cannot be rated again
        store.rate(chat_id, 2, "up")


def test_bad_ratings_unknown_chats_and_turns_are_refused(store):
    chat_id = two_turns(store)
    for bad in ("sideways", "", "👍", None, True):
        with pytest.raises(BadInput, match="up or down"):
            store.rate(chat_id, 1, bad)
    for n in (0, 3, -1):
        with pytest.raises(BadInput, match=f"has no turn {n} \\(it has 2\\)"):
            store.rate(chat_id, n, "down")
    for n in ("1", 1.0, True):
        with pytest.raises(BadInput, match="a turn is a number"):
            store.rate(chat_id, n, "down")
    with pytest.raises(BadInput, match="no chat 0123abcd"):
        store.rate("0123abcd", 1, "down")
    with pytest.raises(BadInput, match="at most"):
        store.rate(chat_id, 1, "down", "x" * 5000)
    assert store.ratings() == []
    with pytest.raises(BadInput, match="no rating 7"):
        store.delete_rating(7)
    with pytest.raises(BadInput, match="is a number"):
        store.delete_rating("7")


def test_ratings_belong_to_the_user_of_the_chat(store):
    alices = two_turns(store, user="alice")
    with pytest.raises(BadInput, match="no chat"):
        store.rate(alices, 1, "down", user="bob")  # not bob's chat
    rating_id = store.rate(alices, 1, "down", "It was a duet.", user="alice")
    assert store.ratings() == [] and store.ratings(user="bob") == []
    assert [r.user for r in store.ratings(user="alice")] == ["alice"]
    with pytest.raises(BadInput, match=f"no rating {rating_id}"):
        store.delete_rating(rating_id, user="bob")
    deleted = store.delete_rating(rating_id, user="alice")
    assert (deleted.id, deleted.rating, deleted.correction) == (rating_id, "down", "It was a duet.")
    assert store.ratings(user="alice") == []


OLD_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE chats (id TEXT PRIMARY KEY, user TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, updated REAL NOT NULL, collection TEXT NOT NULL DEFAULT 'default');
CREATE TABLE turns (chat_id TEXT NOT NULL, n INTEGER NOT NULL, question TEXT NOT NULL, standalone TEXT NOT NULL,
    answer_json TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (chat_id, n));
INSERT INTO chats VALUES ('abc', '', 'Who is Sergey Lavrov?', 1.0, 1.0, 'default');
INSERT INTO turns VALUES ('abc', 1, 'Who is Sergey Lavrov?', 'Who is Sergey Lavrov?', '{"text": "A minister."}', 1.0);
"""


def test_a_chat_file_from_before_ratings_can_be_rated(tmp_path):
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    store = ChatStore(path)
    assert [q for q, _ in store.load("abc")] == ["Who is Sergey Lavrov?"]
    store.rate("abc", 1, "down", "He is the Russian Foreign Minister.")
    [r] = store.ratings()
    assert r.answer.text == "A minister." and r.answer.question == "Who is Sergey Lavrov?"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


# the command


def saved_chat(data_dir, chat_id: str = "1a2b3c4d" + "0" * 24) -> str:
    store = ChatStore(data_dir / FILE_NAME)
    store.create(chat_id=chat_id)
    store.append(chat_id, "Who is Sergey Lavrov?", cited_answer())
    store.append(chat_id, "What did he call it?", cited_answer("What did Sergey Lavrov call it?"))
    return chat_id


def test_rag_feedback_rates_lists_and_deletes(tmp_path):
    data = tmp_path / "data"
    chat_id = saved_chat(data)
    r = rag("feedback", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "no ratings yet" in r.stdout

    r = rag("feedback", "down", "--correction", "He called it a  duet.", data_dir=data)  # the newest chat's last turn
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("rated turn 2 of chat 1a2b3c4d down: What did he call it? "
                        "(correction: He called it a duet.)\n")
    r = rag("feedback", "up", "--chat", "1a2b", "--turn", "1", data_dir=data)
    assert r.stdout == "rated turn 1 of chat 1a2b3c4d up: Who is Sergey Lavrov?\n", r.stderr

    [up, down] = ChatStore(data / FILE_NAME).ratings()
    assert (up.n, up.rating, up.correction) == (1, "up", "")
    assert (down.chat_id, down.n, down.rating, down.correction) == (chat_id, 2, "down", "He called it a  duet.")
    assert down.answer.citations == cited_answer().citations

    r = rag("feedback", data_dir=data)
    rows = r.stdout.splitlines()[1:]
    assert r.stdout.startswith("ratings: ") and len(rows) == 2
    assert rows[0].split()[0] == str(up.id) and "up" in rows[0].split() and "[default]  Who is Sergey Lavrov?" in rows[0]
    assert rows[1].split()[0] == str(down.id) and "down" in rows[1].split()
    assert rows[1].endswith("What did he call it?  correction: He called it a duet.")

    r = rag("chats", "--delete", "1a2b", data_dir=data)  # the chat goes, its ratings stay
    assert r.returncode == 0, r.stderr
    assert len(rag("feedback", data_dir=data).stdout.splitlines()) == 3

    r = rag("feedback", "--delete", str(down.id), data_dir=data)
    assert r.returncode == 0 and r.stdout == f"deleted rating {down.id} (down: What did he call it?)\n"
    assert [x.id for x in ChatStore(data / FILE_NAME).ratings()] == [up.id]


def test_rag_feedback_mistakes_are_one_line(tmp_path):
    data = tmp_path / "data"
    assert "no saved chats" in one_line_error(rag("feedback", "down", data_dir=data))
    saved_chat(data)
    for args, says in [(("feedback", "sideways"), "up or down, not 'sideways'"),
                       (("feedback", "down", "--turn", "3"), "has no turn 3 (it has 2)"),
                       (("feedback", "down", "--turn", "x"), "--turn takes the number"),
                       (("feedback", "down", "--turn", "0"), "--turn takes the number"),
                       (("feedback", "down", "--chat", "ff"), "no chat ff"),
                       (("feedback", "--correction", "duet"), "--correction goes with a rating"),
                       (("feedback", "--delete", "9"), "no rating 9"),
                       (("feedback", "--delete", "x"), "a number"),
                       (("feedback", "up", "--delete", "1"), "--delete ID goes alone")]:
        assert says in one_line_error(rag(*args, data_dir=data)), args
    assert ChatStore(data / FILE_NAME).ratings() == []


@pytest.mark.integration
def test_rag_chat_up_and_down_rate_the_last_answer(tmp_path):
    data = tmp_path / "idx"
    r = rag("chat", data_dir=data, stdin="/down too early\nWho is Sergey Lavrov?\n/up\n"
                                         "What did he call the relationship?\n/down wrong\n/fix\n"
                                         "/fix It was a duet of two leaders.\n")
    assert r.returncode == 0, r.stderr
    assert "no answer to rate yet" in r.stderr and "/fix takes what the answer should have said" in r.stderr
    lines = [line for line in r.stdout.splitlines() if line.startswith("rated ")]
    chat_id = ChatStore(data / FILE_NAME).list()[0].id
    assert lines == [f"rated turn 1 of chat {chat_id[:8]} up: Who is Sergey Lavrov?",
                     f"rated turn 2 of chat {chat_id[:8]} down: What did he call the relationship? (comment: wrong)",
                     f"rated turn 2 of chat {chat_id[:8]} down: What did he call the relationship? "
                     f"(comment: wrong) (correction: It was a duet of two leaders.)"]
    down, up = ChatStore(data / FILE_NAME).ratings()
    assert down.comment == "wrong"  # a remark, not a fact: `/down wrong` demands no word "wrong"
    assert (up.n, up.rating, up.collection) == (1, "up", "default") and "Foreign Minister" in up.answer.text
    assert (down.question, down.standalone) == ("What did he call the relationship?",
                                                "What did Sergey Lavrov call the relationship?")
    assert down.correction == "It was a duet of two leaders." and down.answer.citations
    for c in down.answer.citations:
        assert SEED_TEXT[c.start:c.end] == c.text

    r = rag("feedback", "down", "--correction", "He said duet.", data_dir=data)  # the same turn, rated again
    assert r.returncode == 0 and "rated turn 2" in r.stdout
    assert [(x.n, x.correction) for x in ChatStore(data / FILE_NAME).ratings()] == [(2, "He said duet."), (1, "")]


def test_answer_without_citations_round_trips_in_a_rating(store):
    chat_id = store.create()
    store.append(chat_id, "What is the recipe for borscht?", Answer("The documents don't say.", refused=True))
    store.rate(chat_id, 1, "up")
    [r] = store.ratings()
    assert r.answer.refused and r.answer.citations == [] and r.standalone == "What is the recipe for borscht?"
