"""Saved conversations and the ratings of their answers: one SQLite file in the data folder
(DATA_DIR/chats.sqlite3).

    store = ChatStore.for_settings()          # Settings.from_env().data_dir / "chats.sqlite3"
    chat_id = store.create()
    store.append(chat_id, "Who is Sergey Lavrov?", answer)
    store.list()                              # [ChatSummary(id, title, created, updated, turns, collection)], newest first
    store.load(chat_id)                       # [(question, Answer)], citations as Citation objects
    store.export_markdown(chat_id)            # questions, answers with [n], sources quoted verbatim
    store.rate(chat_id, 1, "down", "He is the Russian Foreign Minister.")   # -> the rating's id
    store.ratings()                           # [Rating(..., rating, correction, answer)], newest first
    store.delete_rating(rating_id)

Each turn keeps the whole Answer except the passages nobody cited (answer_record()). A rating
('up' or 'down', with an optional correction: what the answer should have said) copies its
turn's question, understood question, collection and answer record, so it outlives the chat
(delete() leaves ratings alone); rating a turn again replaces its rating. Every thread has its
own connection, so threads and processes may share the file; append() numbers turns inside a
BEGIN IMMEDIATE transaction, so concurrent writers neither lose nor duplicate one. A chat and
its ratings belong to a user ('' when there is no login): for any other user they do not
exist. Only the standard library is used: `rag chats` and `rag feedback` never build the engine.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from rag.answer import Answer, Citation, Passage
from rag.errors import BackendUnavailable, BadInput

FILE_NAME = "chats.sqlite3"
SCHEMA_VERSION = 2  # SCHEMA is version 1; MIGRATIONS take it to this one
TITLE_CHARS = 80

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chats (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    collection TEXT NOT NULL DEFAULT 'default'
);
CREATE INDEX IF NOT EXISTS chats_by_user_updated ON chats (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    chat_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (chat_id, n)
);
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL DEFAULT '',
    chat_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    collection TEXT NOT NULL DEFAULT 'default',
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    correction TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    UNIQUE (chat_id, n)
);
CREATE INDEX IF NOT EXISTS ratings_by_user_created ON ratings (user, created);
"""


def m002_rating_comment(conn) -> None:
    """A rating keeps a comment apart from its correction: `/down wrong` is a remark about the
    answer, not what it should have said (only a correction becomes a fact to check)."""
    conn.execute("ALTER TABLE ratings ADD COLUMN comment TEXT NOT NULL DEFAULT ''")


# Each change to the schema after version 1, applied once, in order, in the transaction that
# opens the store; the version reached is recorded in schema_version.
MIGRATIONS = {2: m002_rating_comment}

RATINGS = ("up", "down")
CORRECTION_CHARS = 4000


def answer_record(a: Answer) -> dict:
    """An Answer as plain JSON data: everything but the timings and the passages nobody cited
    (the citations hold those texts already). Unlike Answer.to_json(), which prints the contract."""
    cited = {c.number for c in a.citations}
    return {
        "text": a.text,
        "citations": [dict(asdict(c), path=os.path.abspath(c.path) if c.path else "") for c in a.citations],
        "refused": a.refused,
        "unsupported": list(a.unsupported),
        "question": a.question,
        "notice": a.notice,
        "answerer": a.answerer,
        "recited": list(a.recited),
        "passages": [asdict(p) for p in a.passages if p.number in cited],
        "searched": list(a.searched),
    }


def _known(cls, entry: dict) -> dict:
    """The entry's fields that `cls` has (a record from an older or newer version may differ);
    an origin's pairs, which JSON turned into lists, as tuples again."""
    names = {f.name for f in fields(cls)}
    out = {k: v for k, v in entry.items() if k in names}
    if "origin" in out:
        out["origin"] = tuple(tuple(pair) for pair in out["origin"])
    return out


def answer_from_record(record: dict) -> Answer:
    """The Answer that answer_record() saved, its citations and cited passages as objects again."""
    return Answer(
        text=record.get("text", ""),
        citations=[Citation(**_known(Citation, c)) for c in record.get("citations", [])],
        refused=bool(record.get("refused", False)),
        unsupported=list(record.get("unsupported", [])),
        question=record.get("question", ""),
        passages=[Passage(**_known(Passage, p)) for p in record.get("passages", [])],
        answerer=record.get("answerer", ""),
        recited=list(record.get("recited", [])),
        notice=record.get("notice", ""),
        searched=list(record.get("searched", [])),
    )


def new_chat_id() -> str:
    return uuid.uuid4().hex


def title_of(question: str, chars: int = TITLE_CHARS) -> str:
    """The question on one line, cut at a word (or, with no space in its second half, anywhere) to `chars`."""
    line = " ".join(question.split())
    if len(line) <= chars:
        return line
    cut = line[:chars - 1]
    if " " in cut[chars // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    created: float
    updated: float
    turns: int
    collection: str = "default"


@dataclass(frozen=True)
class Rating:
    """One rated answer, as rate() kept it (a copy: deleting its chat leaves it whole).

    id: the rating's number (`rag feedback --delete ID`); user: whose it is ('' without login);
    chat_id, n: the chat and its turn (1, 2, ...) that was rated; collection: where that turn
    searched; question: as asked; standalone: as understood (a follow-up read against the
    earlier turns); answer_json: the answer_record() of the answer, as JSON text; rating: 'up'
    (the answer is right) or 'down' (it is wrong); correction: what the answer should have said
    ('' when none was given); created: when it was rated (seconds since the epoch); answer: the
    Answer itself (answer_from_record(), its citations and cited passages as objects); comment:
    a remark on the answer ("wrong", "too long"), never taken as what it should have said."""

    id: int
    user: str
    chat_id: str
    n: int
    collection: str
    question: str
    standalone: str
    answer_json: str
    rating: str
    correction: str
    created: float
    answer: Answer
    comment: str = ""


RATING_COLUMNS = ("id, user, chat_id, n, collection, question, standalone, answer_json, rating, correction, created, "
                  "comment")


def _rating(row: tuple) -> Rating:
    return Rating(*row[:11], answer=_answer(row[6], row[7]), comment=row[11])


class ChatStore:
    """Chats and their turns in one SQLite file (WAL mode, a schema version table)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._local = threading.local()  # one connection per thread (and process), kept open
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendUnavailable(f"cannot create the folder for saved chats {self.path.parent}: {exc.strerror}") from None
        self._guarded(lambda: self._conn().execute("PRAGMA journal_mode=WAL"))
        with self._tx(immediate=True) as conn:
            for statement in filter(str.strip, SCHEMA.split(";")):  # executescript() would commit
                conn.execute(statement)
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            version = 1 if row[0] is None else row[0]  # a new file has SCHEMA: version 1
            if version > SCHEMA_VERSION:
                raise BackendUnavailable(f"the saved chats in {self.path} were written by a newer version of rag "
                                         f"(schema {version}, this one reads {SCHEMA_VERSION})")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[step](conn)
            if row[0] is None or version < SCHEMA_VERSION:
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))

    @classmethod
    def for_settings(cls, settings=None) -> ChatStore:
        """The store in the data folder of `settings` (default: the environment's)."""
        if settings is None:
            from rag.settings import Settings

            settings = Settings.from_env()
        return cls(Path(settings.data_dir) / FILE_NAME)

    # connections and transactions

    def _guarded(self, work):
        try:
            return work()
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"the saved chats in {self.path} cannot be used: {exc}") from None

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection. Kept open: closing the last connection to a WAL database
        checkpoints and removes the log, which would cost milliseconds on every operation."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():  # not one inherited through fork()
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against a crash of the process
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's connection (the others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()

    @contextmanager
    def _tx(self, immediate: bool = False):
        """One transaction; IMMEDIATE takes the write lock at its start."""
        conn = self._guarded(self._conn)
        try:
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise BackendUnavailable(f"the saved chats in {self.path} cannot be used: {exc}") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _not_found(self, chat_id: str) -> BadInput:
        return BadInput(f"no chat {chat_id} in {self.path}; `rag chats` lists the saved ones")

    def _owned(self, conn, chat_id: str, user: str) -> tuple:
        row = conn.execute("SELECT id, title, created, updated, collection FROM chats WHERE id = ? AND user = ?",
                           (chat_id, user)).fetchone()
        if row is None:
            raise self._not_found(chat_id)
        return row

    # the operations

    def create(self, user: str = "", collection: str = "default", *, chat_id: str | None = None) -> str:
        """A new, empty chat; its id (uuid4 hex, or `chat_id` when given)."""
        chat_id = chat_id or new_chat_id()
        now = time.time()
        with self._tx(immediate=True) as conn:
            conn.execute("INSERT INTO chats (id, user, title, created, updated, collection) VALUES (?, ?, '', ?, ?, ?)",
                         (chat_id, user, now, now, collection))
        return chat_id

    def append(self, chat_id: str, question: str, answer: Answer) -> int:
        """Add a finished turn; returns its number (1, 2, ...). The first question becomes the title.
        (Whose chat it is was checked when it was opened: load(), Chat.resume().)"""
        record = json.dumps(answer_record(answer), ensure_ascii=False)
        now = time.time()
        with self._tx(immediate=True) as conn:
            if conn.execute("SELECT 1 FROM chats WHERE id = ?", (chat_id,)).fetchone() is None:
                raise self._not_found(chat_id)
            n = conn.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()[0]
            conn.execute("INSERT INTO turns (chat_id, n, question, standalone, answer_json, created) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (chat_id, n, question, answer.question or question, record, now))
            conn.execute("UPDATE chats SET updated = ?, title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                         (now, title_of(question), chat_id))
        return n

    def list(self, user: str = "", limit: int = 100, offset: int = 0,
             collection: str | None = None) -> list[ChatSummary]:
        """The user's chats (only those of `collection`, when given), most recently updated first."""
        where, args = ("user = ? AND collection = ?", (user, collection)) if collection is not None else ("user = ?", (user,))
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT id, title, created, updated, (SELECT COUNT(*) FROM turns WHERE chat_id = chats.id), collection "
                f"FROM chats WHERE {where} ORDER BY updated DESC, rowid DESC LIMIT ? OFFSET ?",
                (*args, limit, offset)).fetchall()
        return [ChatSummary(*row) for row in rows]

    def summary(self, chat_id: str, user: str = "") -> ChatSummary:
        with self._tx() as conn:
            chat_id, title, created, updated, collection = self._owned(conn, chat_id, user)
            turns = conn.execute("SELECT COUNT(*) FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()[0]
        return ChatSummary(chat_id, title, created, updated, turns, collection)

    def find(self, ref: str, user: str = "", collection: str | None = None) -> str:
        """The id that `ref` names: a whole id, a prefix of exactly one, or 'last' (the newest, of
        `collection` when given: another collection's chat would be answered from other documents)."""
        ref = ref.strip().lower()
        if ref == "last":
            newest = self.list(user, limit=1, collection=collection)
            if not newest:
                where = f" of collection {collection}" if collection is not None else ""
                raise BadInput(f"no saved chats{where} in {self.path} yet; `rag chat` starts one")
            return newest[0].id
        if not re.fullmatch(r"[0-9a-f]{1,32}", ref):
            raise self._not_found(ref)
        with self._tx() as conn:
            rows = conn.execute("SELECT id FROM chats WHERE user = ? AND substr(id, 1, ?) = ? LIMIT 2",
                                (user, len(ref), ref)).fetchall()
        if not rows:
            raise self._not_found(ref)
        if len(rows) > 1:
            raise BadInput(f"more than one chat starts with {ref}; give more of its id (`rag chats` lists them)")
        return rows[0][0]

    def _turns(self, conn, chat_id: str) -> list[tuple]:
        return conn.execute("SELECT n, question, standalone, answer_json, created FROM turns WHERE chat_id = ? "
                            "ORDER BY n", (chat_id,)).fetchall()

    def load(self, chat_id: str, user: str = "") -> list[tuple[str, Answer]]:
        """The chat's turns in order, as (question, Answer): what Chat.history holds."""
        with self._tx() as conn:
            self._owned(conn, chat_id, user)
            rows = self._turns(conn, chat_id)
        return [(question, _answer(standalone, answer_json)) for _, question, standalone, answer_json, _ in rows]

    def delete(self, chat_id: str, user: str = "") -> None:
        """Delete the chat and its turns; the ratings of its answers are kept (see ratings())."""
        with self._tx(immediate=True) as conn:
            self._owned(conn, chat_id, user)
            conn.execute("DELETE FROM turns WHERE chat_id = ?", (chat_id,))
            conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))

    def rate(self, chat_id: str, n: int, rating: str, correction: str = "", user: str = "", *,
             comment: str = "") -> int:
        """Rate turn `n` (1, 2, ...) of the user's chat 'up' or 'down', with an optional correction
        (what the answer should have said) and an optional comment (a remark on it); returns the
        rating's id. Rating the same turn again replaces its rating, correction and comment (the id
        stays). BadInput for an unknown chat or turn, or a rating other than up/down."""
        rating = rating.strip().lower() if isinstance(rating, str) else rating
        if rating not in RATINGS:
            raise BadInput(f"a rating is up or down, not {rating!r}")
        if isinstance(n, bool) or not isinstance(n, int):
            raise BadInput(f"a turn is a number (1, 2, ...), not {n!r}")
        correction, comment = (correction or "").strip(), (comment or "").strip()
        for what, text in (("correction", correction), ("comment", comment)):
            if len(text) > CORRECTION_CHARS:
                raise BadInput(f"a {what} holds at most {CORRECTION_CHARS} characters, this one {len(text)}")
        now = time.time()
        with self._tx(immediate=True) as conn:
            chat_id, _, _, _, collection = self._owned(conn, chat_id, user)
            row = conn.execute("SELECT question, standalone, answer_json FROM turns WHERE chat_id = ? AND n = ?",
                               (chat_id, n)).fetchone()
            if row is None:
                turns = conn.execute("SELECT COUNT(*) FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()[0]
                raise BadInput(f"chat {chat_id[:8]} has no turn {n} (it has {turns})")
            question, standalone, answer_json = row
            conn.execute(
                "INSERT INTO ratings (user, chat_id, n, collection, question, standalone, answer_json, rating, "
                "correction, created, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (chat_id, n) DO UPDATE SET user = excluded.user, collection = excluded.collection, "
                "question = excluded.question, standalone = excluded.standalone, answer_json = excluded.answer_json, "
                "rating = excluded.rating, correction = excluded.correction, created = excluded.created, "
                "comment = excluded.comment",
                (user, chat_id, n, collection, question, standalone, answer_json, rating, correction, now, comment))
            return conn.execute("SELECT id FROM ratings WHERE chat_id = ? AND n = ?", (chat_id, n)).fetchone()[0]

    def ratings(self, user: str = "", collection: str | None = None, chat_id: str | None = None) -> list[Rating]:
        """The user's ratings, newest first; only those of one collection, or of one chat, when given.
        Ratings of deleted chats are included."""
        where, args = ["user = ?"], [user]
        if collection is not None:
            where.append("collection = ?")
            args.append(collection)
        if chat_id is not None:
            where.append("chat_id = ?")
            args.append(chat_id)
        with self._tx() as conn:
            rows = conn.execute(f"SELECT {RATING_COLUMNS} FROM ratings WHERE {' AND '.join(where)} "
                                "ORDER BY created DESC, id DESC", args).fetchall()
        return [_rating(row) for row in rows]

    def delete_rating(self, rating_id: int, user: str = "") -> Rating:
        """Delete the user's rating `rating_id`; returns what it was. BadInput when there is none."""
        if isinstance(rating_id, bool) or not isinstance(rating_id, int):
            raise BadInput(f"a rating's id is a number (`rag feedback` lists them), not {rating_id!r}")
        with self._tx(immediate=True) as conn:
            row = conn.execute(f"SELECT {RATING_COLUMNS} FROM ratings WHERE id = ? AND user = ?",
                               (rating_id, user)).fetchone()
            if row is None:
                raise BadInput(f"no rating {rating_id} in {self.path}; `rag feedback` lists the ratings")
            conn.execute("DELETE FROM ratings WHERE id = ?", (rating_id,))
        return _rating(row)

    def export_json(self, chat_id: str, user: str = "") -> dict:
        """The chat and every turn, each answer as answer_record() keeps it."""
        with self._tx() as conn:
            chat_id, title, created, updated, collection = self._owned(conn, chat_id, user)
            rows = self._turns(conn, chat_id)
        return {
            "id": chat_id, "title": title, "created": created, "updated": updated, "collection": collection,
            "schema_version": SCHEMA_VERSION,
            "turns": [{"n": n, "question": question, "standalone": standalone, "created": at,
                       "answer": json.loads(answer_json)} for n, question, standalone, answer_json, at in rows],
        }

    def export_markdown(self, chat_id: str, user: str = "") -> str:
        """Each turn: the question, the answer with its [n] markers, then its sources, each cited
        passage quoted verbatim with its file and character offsets. Every text from a person, a
        model or a document is written inert (md_text): no HTML, image or link of theirs runs in a
        viewer that renders the file."""
        chat = self.export_json(chat_id, user)
        lines = [f"# {md_text(chat['title']) or 'Chat'}", "",
                 f"Chat {chat['id']}, {len(chat['turns'])} turn(s), {_when(chat['created'])} to {_when(chat['updated'])}."]
        for turn in chat["turns"]:
            a = answer_from_record(turn["answer"])
            lines += ["", f"## {turn['n']}. {md_text(' '.join(turn['question'].split()))}", ""]
            if turn["standalone"] != turn["question"]:
                lines += [f"*Understood as: {md_text(turn['standalone'])}*", ""]
            lines.append(md_text(a.text))
            if a.citations:
                lines += ["", "Sources:", ""]
                for c in a.citations:
                    lines.append(f"- [{c.number}] {_where(c)}")
                    lines += ["", *[f"  > {md_text(line)}" if line else "  >" for line in c.text.split("\n")], ""]
            if a.unsupported:
                lines += ["", "Removed as unsupported by the cited sources:", ""]
                lines += [f"- {md_text(s)}" for s in a.unsupported]
        return "\n".join(lines).rstrip() + "\n"


# Markdown's active characters, backslash-escaped by md_text: a viewer shows them as they are.
_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def md_text(text: str) -> str:
    """`text` for a Markdown file, shown as written: HTML escaped (`<img onerror=...>` is text) and
    Markdown's punctuation backslash-escaped (`![x](http://...)` loads nothing)."""
    from html import escape

    return _MD_ACTIVE.sub(r"\\\1", escape(text, quote=False))


def _answer(standalone: str, answer_json: str) -> Answer:
    a = answer_from_record(json.loads(answer_json))
    a.question = a.question or standalone
    return a


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _where(c: Citation) -> str:
    """The file and the character offsets a citation's text sits at (in the extracted text for HTML and PDF)."""
    at = f"characters {c.start}–{c.end}"
    source, path = _code(c.source), _code(c.path or "")
    if c.path and Path(c.path).name != c.source:
        where = f"{source}, {at} of its extracted text {path}"
    else:
        where = f"{source}, {at}" + (f" ({path})" if c.path else "")
    page = getattr(c, "page", None)
    return where + (f", page {page}" if page is not None else "") + (f", “{md_text(c.heading)}”" if c.heading else "")


def _code(name: str) -> str:
    """A file name as a Markdown code span (inert), its own backticks unable to close it."""
    return "`" + name.replace("`", "\u2018") + "`"
