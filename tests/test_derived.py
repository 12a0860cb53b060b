"""The derived indexes (BM25, corpus statistics): built once per content, saved beside an
embedded index, loaded by the next process, rebuilt when missing, damaged or out of date."""

from __future__ import annotations

import shutil

import pytest

from rag.answering.engine import Engine
from rag.settings import Settings

pytestmark = pytest.mark.integration

QUESTIONS = ["Where did Putin and Xi meet?", "What did Lavrov call the relationship?", "What is borscht?"]


def answers(engine: Engine) -> list[tuple]:
    out = []
    for q in QUESTIONS:
        a = engine.ask(q)
        out.append((a.text, a.refused, [p.id for p in a.passages], [round(p.score, 6) for p in a.passages]))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = tmp_path_factory.mktemp("idx")
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(data)}))
    first = answers(engine)
    return data, engine, first


def folders(data) -> list:
    return sorted(p for p in (data / "derived" / "rag_chunks").iterdir())  # the default collection's copies


def test_first_process_builds_and_saves(built):
    data, engine, _ = built
    snap = engine.derived.current()
    assert snap.source == "built"
    [folder] = folders(data)
    assert folder.name == snap.fingerprint and (folder / "complete").is_file()
    assert snap.stats.n == engine.store.count()


def test_next_process_loads_and_answers_the_same(built):
    data, _, first = built
    again = Engine(Settings.from_env({"RAG_DATA_DIR": str(data)}))
    assert answers(again) == first
    assert again.derived.current().source == "loaded"


@pytest.mark.parametrize("damage", ["garbled", "half-written", "missing"])
def test_a_damaged_copy_is_rebuilt_not_trusted(built, tmp_path, damage):
    data, _, first = built
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    [folder] = folders(copy)
    if damage == "garbled":
        for f in folder.iterdir():
            if f.name != "complete":
                f.write_bytes(b"\x00not what was saved")
    elif damage == "half-written":
        (folder / "complete").unlink()
    else:
        shutil.rmtree(copy / "derived")
        (copy / "derived" / folder.name).mkdir(parents=True)  # where copies were saved before collections
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(copy)}))
    assert answers(engine) == first
    assert engine.derived.current().source == "built"
    [fresh] = folders(copy)
    assert (fresh / "complete").is_file()
    assert sorted(p.name for p in (copy / "derived").iterdir()) == ["rag_chunks"]  # an old-style copy is dropped
    assert Engine(Settings.from_env({"RAG_DATA_DIR": str(copy)})).derived.current().source == "loaded"


def test_new_content_gets_a_new_copy_and_the_old_one_goes(built, tmp_path):
    data, _, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(copy)}))
    before = engine.derived.current().fingerprint
    doc = tmp_path / "borscht.md"
    doc.write_text("# Soup\n\nBorscht is a sour beetroot soup eaten across Eastern Europe.\n", encoding="utf-8")
    from rag.ingestion.documents import load

    engine.store.sync(load([doc]))
    a = engine.ask("What is borscht?")
    assert not a.refused and "beetroot" in a.text
    after = engine.derived.current()
    assert after.fingerprint != before and after.source == "built"
    assert [f.name for f in folders(copy)] == [after.fingerprint]


def test_one_look_at_the_index_per_question(built, monkeypatch):
    _, engine, _ = built
    calls = []
    real = engine.store.count
    monkeypatch.setattr(engine.store, "count", lambda: calls.append(1) or real())
    engine.ask("Where did Putin and Xi meet?")
    assert len(calls) == 1


def test_ingest_leaves_the_keyword_index_ready_for_the_next_process(tmp_path):
    from tests.test_integration_core import run_cli

    doc = tmp_path / "docs" / "llamas.md"
    doc.parent.mkdir()
    doc.write_text("# Llamas\n\nLlamas are camelids that mostly eat grass and hay.\n", encoding="utf-8")
    env = {"RAG_DATA_DIR": str(tmp_path / "idx")}
    r = run_cli("ingest", str(doc.parent), env_extra=env)
    assert r.returncode == 0, r.stderr
    [folder] = folders(tmp_path / "idx")
    assert (folder / "complete").is_file()
    engine = Engine(Settings.from_env(env), ensure_seeds=False)
    assert engine.derived.current().source == "loaded"
    assert "grass" in engine.ask("What do llamas eat?").text
