"""Collections (separate sets of documents in one index) and questions limited to chosen documents,
over real parts: embedded Chroma, the bundled MiniLM model, the CLI."""

from __future__ import annotations

import json
import re
import time

import pytest

from eval.harness.golden import questions
from rag import Chat, ask
from rag.answering.engine import Engine
from rag.chats import ChatStore
from rag.errors import BadInput, IndexNotBuilt
from rag.index.store import list_collections, open_store
from rag.ingestion.documents import load
from rag.settings import Settings
from tests.conftest import SEED
from tests.test_integration_core import run_cli

pytestmark = pytest.mark.integration

SUMMIT = "Where was the summit held?"


def contradicting(root):
    """Two folders that disagree: the article and "held in Beijing" / the article with every
    Beijing made Moscow and "held in Moscow"."""
    article = SEED.read_text(encoding="utf-8")
    a, b = root / "a", root / "b"
    a.mkdir()
    b.mkdir()
    (a / "article.txt").write_text(article, encoding="utf-8")
    (a / "summit.txt").write_text("The summit was held in Beijing.\n", encoding="utf-8")
    (b / "article-moscow.txt").write_text(article.replace("Beijing", "Moscow"), encoding="utf-8")
    (b / "summit.txt").write_text("The summit was held in Moscow.\n", encoding="utf-8")
    return a, b


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("collections")
    a, b = contradicting(root)
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(root / "data")}))  # "default", over the seeds
    alpha = engine.for_collection("alpha", create=True)
    beta = engine.for_collection("beta", create=True)
    alpha.store.sync(load([a]))
    beta.store.sync(load([b]))
    return engine, alpha, beta, a, b


def paths(folder) -> set[str]:
    return {str(p.resolve()) for p in folder.iterdir()}


def test_an_answer_never_cites_another_collection(world, capsys):
    _, alpha, beta, a, b = world
    golden = questions("all")
    crossed, cited = {}, {}
    for here, there, other in ((alpha, "alpha", paths(b)), (beta, "beta", paths(a))):
        crossed[there] = cited[there] = 0
        for item in golden:
            ans = here.ask(item.question)
            cited[there] += len(ans.citations)
            crossed[there] += sum(c.path in other for c in ans.citations)
            assert all(p.path not in other for p in ans.passages)
    with capsys.disabled():
        print(f"\n{len(golden)} golden questions per collection; citations {cited}; "
              f"citing the other collection: {crossed}")
    assert crossed == {"alpha": 0, "beta": 0}
    assert cited["alpha"] > 20 and cited["beta"] > 20  # the questions were answered, with citations
    assert "Beijing" in alpha.ask(SUMMIT).text and "Moscow" not in alpha.ask(SUMMIT).text
    assert "Moscow" in beta.ask(SUMMIT).text and "Beijing" not in beta.ask(SUMMIT).text
    seeds = world[0].ask("Where did Putin and Xi meet?")  # "default" holds only the seeds
    assert {c.path for c in seeds.citations} == {str(SEED)}


def test_chosen_documents_limit_the_citations(world, monkeypatch):
    _, alpha, _, a, _ = world
    summit, article = str(a / "summit.txt"), str(a / "article.txt")
    everything = alpha.ask("Where did Putin and Xi meet?")
    assert everything.searched == [] and {c.path for c in everything.citations} == {article}
    for item in questions("all")[:30]:
        ans = alpha.ask(item.question, documents=[article])
        assert ans.searched == [article]
        assert {p.path for p in ans.passages} <= {article} and {c.path for c in ans.citations} <= {article}
    only = alpha.ask(SUMMIT, documents=[summit], top_k=8)  # fewer chunks than top_k: no other file fills in
    assert [p.path for p in only.passages] == [summit] and "Beijing" in only.text
    monkeypatch.chdir(a)  # a name relative to the working folder will do
    relative = ask(SUMMIT, documents=["summit.txt"], engine=alpha)
    assert relative.searched == [summit] and [c.path for c in relative.citations] == [summit]
    both = ask(SUMMIT, collection="alpha", documents=["summit.txt", article, "summit.txt"], engine=world[0])
    assert both.searched == [summit, article]
    assert "searched" not in both.to_json()


def test_unknown_collection_unknown_document_and_bad_names(world, tmp_path):
    engine, alpha, _, _, b = world
    with pytest.raises(BadInput, match=r"no collection nowhere; `rag collections` lists them"):
        engine.for_collection("nowhere")
    with pytest.raises(BadInput, match="no collection nowhere"):
        ask(SUMMIT, collection="nowhere", engine=engine)
    with pytest.raises(BadInput, match="no collection nowhere"):
        open_store(engine.settings.with_(collection="nowhere"))
    for doc in (str(b / "summit.txt"), "missing.txt"):  # another collection's file is unknown here
        with pytest.raises(BadInput, match=re.escape(f"{doc} is not a document of collection alpha")):
            alpha.ask(SUMMIT, documents=[doc])
    for bad in ("ab", "-abc", "abc_", "a b", "a/b", "x" * 51, "é_", "日本", "café!"):
        with pytest.raises(BadInput, match=r"3 to 50 letters \(of any alphabet\), digits"):
            engine.for_collection(bad)
        with pytest.raises(BadInput, match="RAG_COLLECTION must be 3 to 50"):
            Settings.from_env({"RAG_COLLECTION": bad})
    assert Settings.from_env({"RAG_COLLECTION": "My-notes_2"}).chroma_collection == "rag_c_My-notes_2"
    assert Settings.from_env({}).chroma_collection == "rag_chunks"  # existing indexes keep working
    empty = engine.for_collection("empty-one", create=True)
    with pytest.raises(IndexNotBuilt, match=r"collection empty-one is empty; run `rag ingest --collection empty-one PATH`"):
        empty.ask(SUMMIT)


def test_names_in_any_alphabet_are_kept_and_mapped_to_safe_chroma_names(world):
    """"café" and "日本語" are what people type: the name is kept (and listed) as written, the
    Chroma collection behind it has a safe ASCII name, and ASCII names map as before."""
    import unicodedata

    from rag.settings import chroma_name, collection_of

    engine = world[0]
    for name in ("café", "日本語", "Ünïcode-notes"):
        made = engine.for_collection(name, create=True)
        made.store.sync(load([SEED]))
        assert made.settings.collection == name and re.fullmatch(r"rag_x_[0-9a-f]+", made.settings.chroma_collection)
        assert collection_of(chroma_name(name)) == name
        assert "Beijing" in made.ask("Where did Putin and Xi meet?").text
    listed = {c.name for c in list_collections(engine.settings, engine.store.client)}
    assert {"café", "日本語", "Ünïcode-notes"} <= listed
    decomposed = unicodedata.normalize("NFD", "café")
    assert engine.for_collection(decomposed).settings.collection == "café"  # one collection, however typed
    assert chroma_name("My-notes_2") == "rag_c_My-notes_2" and collection_of("rag_x_zz") is None
    assert collection_of("rag_x_" + b"abc".hex()) is None  # an ASCII name is only ever rag_c_NAME


def test_siblings_share_the_models_and_switching_is_quick(world, tmp_path, capsys):
    engine, alpha, beta, _, b = world
    for sibling in (alpha, beta):
        assert sibling.embedder is engine.embedder  # the one MiniLM and its cache
        assert sibling.scorer is engine.scorer and sibling.judge is engine.judge
        assert sibling.store.client is engine.store.client
    assert engine.for_collection("alpha") is alpha and alpha.for_collection("beta") is beta
    assert alpha.for_collection("default") is engine
    engine._llm = object()  # the LLM client too (a stand-in: none is configured here)
    try:
        assert alpha.llm is engine.llm
    finally:
        engine._llm = None

    store = open_store(engine.settings.with_(collection="gamma"), create=True)  # made by another "process"
    store.sync(load([b / "summit.txt"]))
    alpha.ask(SUMMIT)  # warm
    t0 = time.perf_counter()
    gamma = engine.for_collection("gamma")
    answer = gamma.ask(SUMMIT)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    back = engine.for_collection("alpha").ask(SUMMIT)
    again = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\nswitch to a new collection and answer: {first * 1e3:.0f} ms; back to a known one: {again * 1e3:.0f} ms")
    assert gamma.embedder is engine.embedder and "Moscow" in answer.text and "Beijing" in back.text
    assert first < 0.5 and again < 0.5


def test_each_collection_keeps_its_own_keyword_index(world):
    engine, alpha, beta, _, _ = world
    folders = {}
    for eng in (engine, alpha, beta):
        snap = eng.derived.current()
        folder = eng.settings.data_dir / "derived" / eng.settings.chroma_collection / snap.fingerprint
        assert (folder / "complete").is_file()
        folders[eng.settings.collection] = folder
    assert len({f.parent for f in folders.values()}) == 3
    assert Engine(alpha.settings, ensure_seeds=False).derived.current().source == "loaded"  # a new process loads it
    for folder in folders.values():  # saving one collection's copy left the others' alone
        assert folder.is_dir()


def test_a_chat_remembers_its_collection(world, tmp_path):
    engine, _, beta, _, b = world
    store = ChatStore(tmp_path / "chats.sqlite3")
    chat = Chat(engine, store=store, collection="beta", documents=[str(b / "summit.txt")])
    first = chat.ask(SUMMIT)
    assert "Moscow" in first.text and first.searched == [str(b / "summit.txt")]
    assert store.summary(chat.id).collection == "beta"
    assert store.load(chat.id)[0][1].searched == [str(b / "summit.txt")]
    again = Chat.resume(chat.id, store=store, engine=engine)
    assert again.collection == "beta" and again.engine is beta
    assert "Moscow" in again.ask("And where was the summit held?").text
    plain = Chat(engine, store=store)
    plain.ask("Where did Putin and Xi meet?")
    assert store.summary(plain.id).collection == "default"


def test_cli_collections(tmp_path):
    a, b = contradicting(tmp_path)
    env = {"RAG_DATA_DIR": str(tmp_path / "idx")}
    r = run_cli("ingest", "--collection", "moscow", str(b), env_extra=env)
    assert r.returncode == 0 and "collection moscow" in r.stdout, r.stderr
    r = run_cli("ask", "--collection", "moscow", SUMMIT, "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "Moscow" in out["text"] and {c["path"] for c in out["citations"]} <= paths(b)
    r = run_cli("ask", "--collection", "moscow", "--doc", str(b / "article-moscow.txt"),
                "Where did Putin and Xi meet?", "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert {c["path"] for c in json.loads(r.stdout)["citations"]} == {str(b / "article-moscow.txt")}
    assert run_cli("ingest", "--collection", "beijing", str(a), env_extra=env).returncode == 0

    r = run_cli("collections", env_extra=env)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    assert rows == [["default", "0", "document(s)", "0", "chunk(s)"], ["beijing", "2", "document(s)", "14", "chunk(s)"],
                    ["moscow", "2", "document(s)", "14", "chunk(s)"]]
    r = run_cli("sources", "--collection", "moscow", env_extra=env)
    assert r.returncode == 0 and str(b / "summit.txt") in r.stdout and str(a / "summit.txt") not in r.stdout

    derived = tmp_path / "idx" / "derived"
    assert (derived / "rag_c_moscow").is_dir() and (derived / "rag_c_beijing").is_dir()
    uploads = Settings.from_env(env).with_(collection="moscow").uploads_dir  # files added in the window
    uploads.mkdir(parents=True)
    (uploads / "added.txt").write_text("added in the window", encoding="utf-8")
    r = run_cli("collections", "--delete", "moscow", env_extra=env)
    assert r.returncode == 0 and "deleted collection moscow (14 chunk(s))" in r.stdout, r.stderr
    assert not (derived / "rag_c_moscow").exists() and (derived / "rag_c_beijing").is_dir()
    assert not uploads.exists() and uploads.parent.is_dir()  # its uploads go; the default's folder stays
    assert "moscow" not in run_cli("collections", env_extra=env).stdout

    for args, needle in [(("ask", "--collection", "moscow", SUMMIT), "no collection moscow; `rag collections` lists them"),
                         (("ask", "--collection", "a b", SUMMIT), "--collection must be 3 to 50"),
                         (("sources", "--collection", "nowhere"), "no collection nowhere"),
                         (("remove", "--collection", "nowhere", str(a / "summit.txt")), "no collection nowhere"),
                         (("collections", "--delete", "nowhere"), "no collection nowhere"),
                         (("ask", "--collection", "beijing", "--doc", str(b / "summit.txt"), SUMMIT),
                          "is not a document of collection beijing")]:
        r = run_cli(*args, env_extra=env)
        assert r.returncode == 2 and needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1

    r = run_cli("ask", "Where did Putin and Xi meet?", env_extra=env)  # "default": the seeds, as ever
    assert r.returncode == 0 and "Beijing" in r.stdout and SEED.name in r.stdout
    r = run_cli("collections", "--delete", "default", env_extra=env)
    assert r.returncode == 0 and "emptied collection default" in r.stdout
    assert list_collections(Settings.from_env(env))[0].chunks == 0
