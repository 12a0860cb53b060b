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


def watching(folder, data, change, check=lambda listed: None):
    """`rag sync --watch` over `folder`: after its first pass, `change()` the folder (it returns the
    file the watcher must then index), wait until `rag sources` lists it, `check` that listing,
    stop the watcher; its stdout and stderr."""
    env = dict(os.environ, RAG_DATA_DIR=str(data))
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "sync", str(folder), "--collection", "synced",
                             "--watch", "--stop-after", "150"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()  # the first pass is done
        assert "1 chunk(s) added" in first, first + proc.stderr.read()
        time.sleep(1.0)  # the watcher is set up right after the first pass's line
        new = str(change().resolve())
        deadline, listed = time.monotonic() + 60, ""
        while new not in listed and time.monotonic() < deadline:
            time.sleep(1)
            listed = run_cli("sources", "--collection", "synced", env_extra={"RAG_DATA_DIR": str(data)}).stdout
        assert new in listed, "the watcher did not index the new file within 60 s"
        check(listed)
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return out, err


def test_watch_picks_up_a_new_file_and_stops_cleanly(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "watched"
    write(folder / "first.txt", "Llamas were domesticated thousands of years ago.\n")

    def change():
        write(folder / "second.md", "# Later\n\nA second note about alpacas.\n")
        return folder / "second.md"

    out, err = watching(folder, data, change)
    assert "Traceback" not in err
    assert "1 chunk(s) added" in out  # the pass for the new file said what it did


def _answered(data, collection, question):
    r = run_cli("ask", question, "--collection", collection, "--json", env_extra={"RAG_DATA_DIR": str(data)})
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("command", ["sync", "ingest"])
def test_links_out_of_the_folder_are_never_indexed(tmp_path, command):
    """A link to a file or a folder outside the folder pulls nothing in; a link inside it is fine,
    and what leaves the folder leaves the index."""
    data, folder, outside = tmp_path / "data", tmp_path / "notes", tmp_path / "outside"
    env = {"RAG_DATA_DIR": str(data)}
    write(outside / "secret.txt", "The vault code is 4471.\n")
    write(outside / "deep" / "more.txt", "The safe combination is 5512.\n")
    write(folder / "garden.txt", "The community garden opens at 9 on Saturdays.\n")
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    (folder / "linked-folder").symlink_to(outside / "deep", target_is_directory=True)
    (folder / "alias.txt").symlink_to(folder / "garden.txt")  # inside: the same file, once
    r = run_cli(command, str(folder), "--collection", "notes", env_extra=env)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout + r.stderr  # two links skipped, said on stderr
    said = [line for line in r.stderr.splitlines() if "skipped" in line and "outside" in line]
    assert len(said) == 2 and any("link.txt" in line for line in said) and any("linked-folder" in line for line in said)
    assert set(store_of(data, "notes").sources()) == {str((folder / "garden.txt").resolve())}
    assert "4471" not in _answered(data, "notes", "What is the vault code?")

    (folder / "link.txt").unlink()  # gone from the folder: nothing of it is left anywhere
    r = run_cli(command, str(folder), "--collection", "notes", env_extra=env)
    assert "secret" not in run_cli("sources", "--collection", "notes", env_extra=env).stdout


def test_a_file_replaced_by_a_link_out_leaves_the_index(tmp_path):
    data, folder, outside = tmp_path / "data", tmp_path / "notes", tmp_path / "outside"
    env = {"RAG_DATA_DIR": str(data)}
    write(folder / "plan.txt", "The picnic is on the 4th of June.\n")
    write(folder / "other.txt", "Bring a blanket.\n")
    write(outside / "secret.txt", "The vault code is 4471.\n")
    assert sync(folder, env).returncode == 0
    (folder / "plan.txt").unlink()
    (folder / "plan.txt").symlink_to(outside / "secret.txt")
    assert sync(folder, env).returncode == 1
    assert set(store_of(data, "synced").sources()) == {str((folder / "other.txt").resolve())}


def test_watch_never_follows_a_link_out_of_the_folder(tmp_path):
    data, folder, outside = tmp_path / "data", tmp_path / "watched", tmp_path / "outside"
    write(folder / "first.txt", "Llamas were domesticated thousands of years ago.\n")
    write(outside / "secret.txt", "The vault code is 4471.\n")
    write(outside / "deep" / "more.txt", "The safe combination is 5512.\n")
    seen = {}

    def change():
        (folder / "link.txt").symlink_to(outside / "secret.txt")
        (folder / "deep").symlink_to(outside / "deep", target_is_directory=True)
        write(folder / "second.md", "# Later\n\nA second note about alpacas.\n")  # a change the watcher must see
        return folder / "second.md"

    def check(listed):
        seen["listed"] = listed

    out, err = watching(folder, data, change, check)
    assert "secret" not in seen["listed"] and "more.txt" not in seen["listed"]
    assert "Traceback" not in err
    assert "link.txt: a link to a file outside" in err


def test_ingest_of_a_folder_skips_a_bad_file_and_indexes_the_others(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "docs"
    env = {"RAG_DATA_DIR": str(data)}
    for i in range(7):
        write(folder / f"note{i}.txt", f"Note {i}: llamas number {i + 10} in the herd.\n")
    (folder / "bad.txt").write_bytes(b"\x00\x01binary\x00")
    r = run_cli("ingest", str(folder), "--collection", "seven", env_extra=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert [line for line in r.stderr.splitlines() if "bad.txt" in line and "binary" in line]
    assert len(store_of(data, "seven").sources()) == 7
    (folder / "bad.txt").unlink()
    only_bad = tmp_path / "only" / "bad.txt"
    only_bad.parent.mkdir()
    only_bad.write_bytes(b"\x00\x01binary\x00")
    r = run_cli("ingest", str(only_bad.parent), "--collection", "none", env_extra=env)
    assert r.returncode == 2 and "binary" in r.stderr  # nothing readable: an error, no collection made
    assert "none" not in run_cli("collections", env_extra=env).stdout.split()
