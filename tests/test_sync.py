"""`rag sync DIR`: a collection kept in line with a folder, over real parts (embedded Chroma,
the bundled MiniLM model, the CLI as a subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from rag.errors import BadInput
from rag.index import folder_sync
from rag.index.store import open_store
from rag.ingestion.chunking import chunk
from rag.ingestion.documents import read
from rag.settings import Settings
from tests.conftest import ROOT
from tests.test_integration_core import run_cli

pytestmark = pytest.mark.integration


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def sync(folder, env, *more):
    r = run_cli("sync", str(folder), "--collection", "synced", *more, env_extra=env)
    assert "Traceback" not in r.stderr
    return r


def store_of(data, name):
    return open_store(Settings.from_env({"RAG_DATA_DIR": str(data)}).with_(collection=name))


def chunk_ids(path, data):
    settings = Settings.from_env({"RAG_DATA_DIR": str(data)})
    return {c.id for c in chunk(read(path), settings.chunk_size, settings.chunk_overlap)}


def test_sync_follows_create_modify_rename_delete_and_matches_a_fresh_ingest(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "notes"
    env = {"RAG_DATA_DIR": str(data)}
    kept, gone = tmp_path / "elsewhere" / "kept.txt", tmp_path / "elsewhere" / "gone.txt"
    write(kept, "Vicunas live in the high Andes.\n")
    write(gone, "Guanacos are wild camelids.\n")
    r = run_cli("ingest", str(kept), str(gone), "--collection", "synced", env_extra=env)
    assert r.returncode == 0, r.stderr
    outside = chunk_ids(kept, data) | chunk_ids(gone, data)
    gone.unlink()  # outside DIR: a sync of DIR must not touch it (an ingest's prune would)

    write(folder / "a.txt", "Llamas are domesticated South American camelids.\n")
    write(folder / "b.md", "# Alpacas\n\nAlpacas are kept for their wool.\n")
    write(folder / "sub" / "c.txt", "Camels store fat in their humps.\n")
    write(folder / ".hidden.txt", "Never indexed: hidden, as `rag ingest DIR` skips it.\n")
    r = sync(folder, env)
    assert r.returncode == 0 and r.stdout.startswith("3 file(s): 3 chunk(s) added, 0 removed"), r.stdout + r.stderr

    write(folder / "b.md", "# Alpacas\n\nAlpacas are kept for their fine wool, shorn once a year.\n")  # modify
    r = sync(folder, env)
    assert r.returncode == 0 and "1 chunk(s) added, 1 removed, 2 unchanged" in r.stdout, r.stdout

    (folder / "sub" / "c.txt").rename(folder / "sub" / "camels.txt")  # rename
    r = sync(folder, env)
    assert r.returncode == 0 and "1 chunk(s) added" in r.stdout and "1 deleted file(s) removed" in r.stdout, r.stdout

    (folder / "a.txt").unlink()  # delete
    write(folder / "d.md", "# Dromedaries\n\nDromedaries have one hump.\n")  # create
    r = sync(folder, env)
    assert r.returncode == 0 and "1 chunk(s) added" in r.stdout and "1 deleted file(s) removed" in r.stdout, r.stdout

    r = sync(folder, env)  # nothing to do
    assert r.returncode == 0, r.stderr
    assert "3 file(s): 0 chunk(s) added, 0 removed, 3 unchanged; 0 deleted file(s) removed" in r.stdout, r.stdout
    assert len(r.stdout.strip().splitlines()) == 1

    r = run_cli("ingest", str(folder), "--collection", "fresh", env_extra=env)
    assert r.returncode == 0, r.stderr
    synced, fresh = store_of(data, "synced"), store_of(data, "fresh")
    assert set(synced.ids()) == set(fresh.ids()) | outside  # same chunks: ids hash path, offset and text
    inside = {p: n for p, n in synced.sources().items() if p.startswith(str(folder.resolve()))}
    assert inside == fresh.sources()
    assert set(synced.sources()) - set(inside) == {str(kept.resolve()), str(gone.resolve())}


def test_an_unreadable_file_is_skipped_and_the_others_indexed(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "docs"
    env = {"RAG_DATA_DIR": str(data)}
    write(folder / "good.txt", "Llamas hum to each other.\n")
    write(folder / "also.md", "# Care\n\nLlamas need shelter from rain.\n")
    (folder / "broken.docx").write_bytes(os.urandom(2048))
    r = sync(folder, env)
    assert r.returncode == 1, r.stdout + r.stderr
    warnings = [line for line in r.stderr.splitlines() if "broken.docx" in line]
    assert len(warnings) == 1 and "skipped" in warnings[0] and "Word file" in warnings[0]
    assert "2 chunk(s) added" in r.stdout
    sources = store_of(data, "synced").sources()
    assert set(sources) == {str((folder / "good.txt").resolve()), str((folder / "also.md").resolve())}


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    r = sync(tmp_path / "nowhere", {"RAG_DATA_DIR": str(tmp_path / "data")})
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"rag: no such folder: {tmp_path / 'nowhere'}"]


def test_a_folder_vanishing_mid_pass_writes_nothing(tmp_path, monkeypatch):
    data, folder = tmp_path / "data", tmp_path / "docs"
    for name in ("a.txt", "b.txt", "c.txt"):
        write(folder / name, f"File {name} says llamas are calm.\n")
    store = open_store(Settings.from_env({"RAG_DATA_DIR": str(data)}).with_(collection="synced"), create=True)
    folder_sync.sync_folder(store, folder.resolve(), data / "extracted")
    before = set(store.ids())
    write(folder / "a.txt", "Changed: llamas can be stubborn.\n")
    real = folder_sync.read

    def read_then_vanish(path, extract_dir=None):
        doc = real(path, extract_dir)
        shutil.rmtree(folder, ignore_errors=True)
        return doc

    monkeypatch.setattr(folder_sync, "read", read_then_vanish)
    with pytest.raises(BadInput, match="vanished") as caught:
        folder_sync.sync_folder(store, folder.resolve(), data / "extracted")
    assert "\n" not in str(caught.value)
    assert set(store.ids()) == before and len(store.sources()) == 3  # nothing added, nothing removed


def test_watch_picks_up_a_new_file_and_stops_cleanly(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "watched"
    env = dict(os.environ, RAG_DATA_DIR=str(data))
    write(folder / "first.txt", "Llamas were domesticated thousands of years ago.\n")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "sync", str(folder), "--collection", "synced",
                             "--watch", "--stop-after", "150"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()  # the first pass is done
        assert "1 chunk(s) added" in first, first + proc.stderr.read()
        time.sleep(1.0)  # the watcher is set up right after the first pass's line
        new = folder / "second.md"
        write(new, "# Later\n\nA second note about alpacas.\n")
        deadline, listed = time.monotonic() + 60, False
        while not listed and time.monotonic() < deadline:
            r = run_cli("sources", "--collection", "synced", env_extra={"RAG_DATA_DIR": str(data)})
            listed = str(new.resolve()) in r.stdout
            if not listed:
                time.sleep(1)
        assert listed, "the watcher did not index the new file within 60 s"
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "1 chunk(s) added" in out  # the pass for the new file said what it did
