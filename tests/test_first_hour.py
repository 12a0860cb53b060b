"""A newcomer's first hour: one index per user wherever `rag` runs, quiet logs and
progress, and small commands that load no model.

The subprocess tests run the installed `rag` command with no RAG_DATA_DIR (conftest
sets one for every test; these remove it) and HOME / XDG_DATA_HOME pointed at a
temporary folder, so the user's real data folder is never touched.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.settings import Settings, user_data_dir
from tests.conftest import ROOT

RAG = Path(sys.executable).parent / "rag"
POLICY = Path(__file__).parent / "data" / "debian-python-policy.html"
FACT = "The quokka colony on Rottnest Island numbers about 12,000 animals.\n"
HEAVY = ("tiktoken", "tokenizers", "torch", "sentence_transformers", "transformers", "safetensors")


def user_env(tmp_path: Path, xdg: bool = True) -> dict:
    """The environment of a user with no RAG_DATA_DIR, whose home is under tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_DATA_DIR", "XDG_DATA_HOME")}
    env["HOME"] = str(tmp_path / "home")
    if xdg:
        env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def rag(*args, env, cwd, timeout=600):
    return subprocess.run([str(RAG), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


# 1. One index per user by default, wherever you run from

def test_the_default_data_folder_is_the_users_data_folder(tmp_path):
    home = tmp_path / "home"
    assert user_data_dir({"HOME": str(home)}, "linux") == home / ".local" / "share" / "rag"
    assert user_data_dir({"HOME": str(home), "XDG_DATA_HOME": "/srv/xdg"}, "linux") == Path("/srv/xdg/rag")
    assert user_data_dir({"HOME": str(home), "XDG_DATA_HOME": "relative"}, "linux") == home / ".local/share/rag"
    assert user_data_dir({"HOME": str(home)}, "darwin") == home / "Library" / "Application Support" / "rag"
    assert user_data_dir({"LOCALAPPDATA": "C:/Users/u/AppData/Local"}, "win32") == Path("C:/Users/u/AppData/Local/rag")
    s = Settings.from_env({"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert s.data_dir == tmp_path / "xdg" / "rag" and s.data_dir.is_absolute()
    assert Settings.from_env({"HOME": str(home), "RAG_DATA_DIR": "elsewhere"}).data_dir == Path("elsewhere")
    assert Settings.from_env({"RAG_DATA_DIR": "elsewhere"}).index_location == os.path.abspath("elsewhere")
    server = Settings.from_env({"RAG_CHROMA_URL": "http://127.0.0.1:8000"})
    assert server.index_location == "the Chroma server at http://127.0.0.1:8000"


@pytest.mark.integration
def test_ingest_in_one_folder_and_ask_from_another(tmp_path):
    env = user_env(tmp_path)
    here, there = tmp_path / "project", tmp_path / "elsewhere"
    here.mkdir()
    there.mkdir()
    (here / "quokkas.txt").write_text(FACT, encoding="utf-8")
    index = tmp_path / "xdg" / "rag"

    r = rag("ingest", "quokkas.txt", env=env, cwd=here)  # a path relative to the folder it is run in
    assert r.returncode == 0, r.stderr
    assert f"in {index}" in r.stdout and (index / "chroma").is_dir()

    r = rag("sources", env=env, cwd=there)
    assert r.returncode == 0, r.stderr
    assert f"index: {index}" in r.stdout and str(here / "quokkas.txt") in r.stdout

    r = rag("ask", "How many animals are in the quokka colony on Rottnest Island?", "--json", env=env, cwd=there)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert not out["refused"] and "12,000" in out["text"]
    assert out["citations"][0]["path"] == str(here / "quokkas.txt")
    assert not (here / ".rag").exists() and not (there / ".rag").exists()

    r = rag("remove", "nothing-here.txt", env=env, cwd=there)
    assert r.returncode == 2 and f"not in the index in {index}" in r.stderr and "Traceback" not in r.stderr


def test_without_xdg_the_index_is_under_home(tmp_path):
    env = user_env(tmp_path, xdg=False)
    r = rag("sources", env=env, cwd=tmp_path)
    index = tmp_path / "home" / ".local" / "share" / "rag"
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"index: {index}"
    assert "the index is empty" in r.stdout


def test_the_empty_index_message_names_the_index(tmp_path):
    from rag.errors import IndexNotBuilt
    from rag.index.derived import Derived
    from rag.index.store import open_store

    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx")})
    with pytest.raises(IndexNotBuilt, match=str(tmp_path / "idx")):
        Derived(open_store(settings)).current()


# 2. Quiet: progress without redraws in logs, a true rate, no tracebacks for user mistakes

def test_progress_is_plain_lines_when_not_a_terminal():
    from rag.progress import tqdm_progress

    out = io.StringIO()
    update = tqdm_progress("embedding", stream=out)
    update(0, 128)
    time.sleep(0.2)
    update(64, 128)
    update(128, 128)
    update(128, 128)
    text = out.getvalue()
    assert "\r" not in text and text.count("\n") == 2
    first, last = text.splitlines()
    assert first == "embedding: 64/128 chunks"  # each tenth of the way, no redraw
    assert last.startswith("embedding: 128 chunk(s) in 0.2 s")
    rate = float(last.split(", ")[1].split()[0])
    assert 400 < rate < 700  # 128 chunks over about 0.2 s


def test_the_rate_starts_once_the_model_is_loaded(tmp_path, fake_embedder):
    """sync() loads the model (warm_up) before the first progress call, so set-up is not counted."""
    from rag.index.store import Store
    from rag.ingestion.documents import load

    calls = []

    class SlowToLoad:
        name = "fake"

        def warm_up(self):
            time.sleep(0.5)
            calls.append(("warm_up", time.perf_counter()))

        def embed(self, texts):
            return fake_embedder.embed(texts)

    store = Store(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx")}), SlowToLoad())
    f = tmp_path / "notes.txt"
    f.write_text("\n\n".join(f"Paragraph {i} about llamas and their wool." * 8 for i in range(30)), encoding="utf-8")
    store.sync(load([f]), progress=lambda done, total: calls.append((done, time.perf_counter())))
    assert calls[0][0] == "warm_up" and calls[1][0] == 0 and calls[-1][0] == store.count()


@pytest.mark.integration
def test_ingest_stderr_has_no_redraws_and_a_second_ingest_embeds_nothing(tmp_path):
    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "idx"))
    r = rag("ingest", str(POLICY), env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "\x1b[" not in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    line = [x for x in r.stderr.splitlines() if x.startswith("embedding:") and "chunks/s" in x]
    assert len(line) == 1, r.stderr
    r = rag("ingest", str(POLICY), env=env, cwd=tmp_path)
    assert r.returncode == 0 and "0 chunk(s) added" in r.stdout and r.stderr == "", r.stderr


# 3. Small commands load no tokenizer and no model, and open the store once

SMALL = """
import json, sys, chromadb
from rag.cli import main
opened = []
real = chromadb.PersistentClient
chromadb.PersistentClient = lambda *a, **k: opened.append(1) or real(*a, **k)
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in %r)
print("RESULT " + json.dumps([code, len(opened), heavy]))
"""


def _small(tmp_path, *args):
    """Run `rag ARGS` in a fresh interpreter: (exit status, stores opened, heavy modules imported)."""
    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "idx"))
    r = subprocess.run([sys.executable, "-c", SMALL % (HEAVY,), *args], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    result = [line for line in r.stdout.splitlines() if line.startswith("RESULT ")]
    assert result, r.stderr
    return tuple(json.loads(result[0][len("RESULT "):]))


@pytest.mark.integration
def test_small_commands_load_no_model_and_open_the_store_once(tmp_path):
    doc = tmp_path / "quokkas.txt"
    doc.write_text(FACT, encoding="utf-8")
    code, opened, heavy = _small(tmp_path, "ingest", str(doc))
    assert code == 0 and opened == 1  # this one embeds: the model is loaded
    for args in (["ingest", str(doc)], ["sources"], ["remove", str(tmp_path / "other.txt")], ["remove", str(doc)]):
        code, opened, heavy = _small(tmp_path, *args)
        assert opened == 1 and heavy == [], (args, heavy)
        assert code == (2 if "other.txt" in args[-1] else 0), args


def test_an_unchanged_file_is_not_chunked_again(tmp_path, fake_embedder, monkeypatch):
    import rag.index.store
    from rag.index.store import Store
    from rag.ingestion.documents import load

    store = Store(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx")}), fake_embedder)
    f = tmp_path / "notes.txt"
    f.write_text("\n\n".join(f"Paragraph {i} about llamas and their wool." * 8 for i in range(12)), encoding="utf-8")
    first = store.sync(load([f]))
    n = store.count()
    assert first.added == n > 2

    real_chunk = rag.index.store.chunk
    chunked = []
    monkeypatch.setattr(rag.index.store, "chunk", lambda *a, **k: chunked.append(1) or real_chunk(*a, **k))
    again = store.sync(load([f]))
    assert (again.added, again.unchanged, chunked) == (0, n, [])

    # a kill half-way through adding the file leaves some chunks out: it is chunked and completed
    missing = sorted(store.ids())[0]
    store.collection.delete(ids=[missing])
    healed = store.sync(load([f]))
    assert healed.added == 1 and chunked == [1] and store.count() == n

    # a change re-chunks; the chunks it kept are marked with the new text, so the next sync is quick again
    f.write_text(f.read_text(encoding="utf-8") + "\n\nA new last paragraph about alpacas.\n", encoding="utf-8")
    changed = store.sync(load([f]))
    assert changed.added >= 1 and len(chunked) == 2
    quiet = store.sync(load([f]))
    assert quiet.added == 0 and quiet.removed == 0 and len(chunked) == 2


# 2 (again). The window: a user's mistake is a message, never a traceback in the server log

def test_the_chat_shows_a_rag_error_as_a_message_without_logging_it(caplog):
    from rag.errors import IndexNotBuilt
    from ui.window import Window

    class Failing:
        settings = Settings.from_env({})

        def ask_stream(self, *a, **k):
            raise IndexNotBuilt("the index in /somewhere is empty; run `rag ingest PATH`")

    respond = Window(Failing()).respond
    for question in ["", "   ", "What is in the index?"]:
        outputs = list(respond(question, [], None, 4, "auto"))
        last = outputs[-1][0][-1]["content"]
        assert "rag-error" in last
    assert "/somewhere is empty" in last
    assert not [r for r in caplog.records if r.exc_info]


def _wait_for(url: str, process, seconds: float = 300) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"rag ui exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read(1)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"rag ui did not answer on {url}")


@pytest.mark.integration
def test_the_api_rejects_an_empty_question_without_a_traceback_in_the_server_log(tmp_path):
    from gradio_client import Client

    from rag.llm.local_server import free_port

    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "idx"), GRADIO_ANALYTICS_ENABLED="False")
    doc = tmp_path / "quokkas.txt"
    doc.write_text(FACT, encoding="utf-8")
    assert rag("ingest", str(doc), env=env, cwd=tmp_path).returncode == 0  # so the seeds are not indexed
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as err:
        server = subprocess.Popen([str(RAG), "ui", "--port", str(port)], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url, server)
        client = Client(url, verbose=False)
        for question in ["", "  \t ", "x" * 2500]:
            with pytest.raises(Exception) as caught:
                client.predict(question, 4, "auto", api_name="/ask")
            assert "question is" in str(caught.value)
        out = client.predict("How many animals are in the quokka colony?", 4, "auto", api_name="/ask")
        assert "12,000" in out["text"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text and "BadInput" not in text, text
