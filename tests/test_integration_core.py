"""End to end over real parts: embedded Chroma, the bundled MiniLM model, the CLI,
and a real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag import Chat, ask
from rag.answering.engine import Engine
from rag.settings import Settings
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path_factory.mktemp("idx"))})
    return Engine(settings)


def test_where_did_they_meet(engine):
    a = ask("Where did Putin and Xi meet?", engine=engine)
    assert not a.refused
    assert "Beijing" in a.text
    assert a.citations
    source = open(SEED, encoding="utf-8").read()
    for c in a.citations:
        assert source[c.start:c.end] == c.text
        assert f"[{c.number}]" in a.text


def test_out_of_scope_is_refused(engine):
    a = ask("What is the recipe for borscht?", engine=engine)
    assert a.refused and a.citations == []


def test_missing_figure_is_refused(engine):
    a = ask("How many hugs did Putin and Xi exchange?", engine=engine)
    assert a.refused


def test_follow_up_is_resolved_offline(engine):
    chat = Chat(engine)
    first = chat.ask("Who is Sergey Lavrov?")
    assert "Foreign Minister" in first.text
    second = chat.ask("What did he call the relationship?")
    assert second.question == "What did Sergey Lavrov call the relationship?"
    assert "duet" in second.text and not second.refused


def test_sync_is_idempotent_replaces_changed_and_prunes_removed(tmp_path):
    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx")})
    eng = Engine(settings, ensure_seeds=False)
    from rag.ingestion.documents import load

    f = tmp_path / "notes.txt"
    f.write_text("Alpha paragraph about llamas.\n\nBeta paragraph about chromas.\n", encoding="utf-8")
    first = eng.store.sync(load([f]))
    assert first.added == 1 and eng.store.count() == 1
    again = eng.store.sync(load([f]))
    assert again.added == 0 and again.unchanged == 1 and eng.store.count() == 1
    f.write_text("Alpha paragraph about llamas.\n\nGamma paragraph, now changed.\n", encoding="utf-8")
    changed = eng.store.sync(load([f]))
    assert changed.added == 1 and changed.removed == 1 and eng.store.count() == 1
    f.unlink()
    assert eng.store.prune() == 1 and eng.store.count() == 0


def test_numpy_minilm_matches_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    import numpy as np

    from rag.ingestion.minilm import MiniLM

    model = MiniLM()
    texts = ["Where did Putin and Xi meet?", open(SEED, encoding="utf-8").read()[:1500], "borscht"]
    ours = model.encode(texts)
    ref = st.SentenceTransformer(str(model.model_dir), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.min(np.sum(ours * ref, axis=1)) > 0.9999


def run_cli(*args, env_extra=None, cwd=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=300)


def test_cli_ask_json_and_bad_input(tmp_path):
    env = {"RAG_DATA_DIR": str(tmp_path / "idx")}
    r = run_cli("ask", "Where did Putin and Xi meet?", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"text", "citations", "refused", "unsupported"}
    assert "Beijing" in out["text"] and not out["refused"]
    text = open(SEED, encoding="utf-8").read()
    c = out["citations"][0]
    assert text[c["start"]:c["end"]] == c["text"] and c["source"] == SEED.name

    r = run_cli("ask", "What is the recipe for borscht?", "--json", env_extra=env)
    assert r.returncode == 0 and json.loads(r.stdout)["refused"] is True

    for args, needle in [(("ask", ""), "empty"), (("ask", "x" * 5000), "limit"),
                         (("ingest", str(tmp_path / "missing.txt")), "no such file")]:
        r = run_cli(*args, env_extra=env)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr and needle in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_cli_ingest_refuses_bad_files_without_touching_the_index(tmp_path):
    env = {"RAG_DATA_DIR": str(tmp_path / "idx")}
    good = tmp_path / "good.md"
    good.write_text("# Llamas\n\nLlamas are domesticated South American camelids.\n", encoding="utf-8")
    r = run_cli("ingest", str(good), env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "1 chunk(s) added" in r.stdout
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\xff\x00data")
    r = run_cli("ingest", str(good), str(binary), env_extra=env)
    assert r.returncode == 2 and "binary" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("sources", env_extra=env)
    assert str(good) in r.stdout and "bin.txt" not in r.stdout
    r = run_cli("ask", "What are llamas?", "--json", env_extra=env)
    out = json.loads(r.stdout)
    assert "camelids" in out["text"] and out["citations"][0]["source"] == "good.md"


def test_cli_chat_resolves_follow_ups_and_survives_bad_input(tmp_path):
    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "idx"))
    r = subprocess.run([sys.executable, "-m", "rag.cli", "chat"], env=env, cwd=ROOT, capture_output=True, text=True,
                       timeout=300, input="Who is Sergey Lavrov?\n" + "x" * 3000 + "\nWhat did he call the relationship?\n")
    assert r.returncode == 0, r.stderr
    assert "(understood as: What did Sergey Lavrov call the relationship?)" in r.stdout
    assert "duet" in r.stdout and "limit is 2000" in r.stderr
    assert r.stderr.count("Offline extractive mode") == 1


def test_large_indexes_are_read_in_pages(engine, monkeypatch):
    import rag.index.store

    monkeypatch.setattr(rag.index.store, "PAGE", 5)
    nodes = engine.store.nodes()
    assert len(nodes) == engine.store.count() == len({n.node_id for n in nodes}) > 5
    assert sum(engine.store.sources().values()) == len(nodes)
    assert sorted(engine.store.ids()) == sorted(n.node_id for n in nodes)
    assert all(n.metadata["start"] >= 0 and n.get_content() for n in nodes)
