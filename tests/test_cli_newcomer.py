"""The CLI's first-hour rough edges: a taken port, an empty question, the offline
notice, and --json citations that point at the file their offsets index."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from rag.cli import NOTICE_MARKER, notice_wanted

ROOT = Path(__file__).resolve().parent.parent
POLICY = Path(__file__).parent / "data" / "debian-python-policy.html"


def rag(*args, cwd=None, env_extra=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=timeout)


def one_line_error(r) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_ui_on_a_taken_port_says_so_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = rag("ui", "--port", str(port), timeout=120)
        line = one_line_error(r)
        assert f"port {port}" in line and "in use" in line and "--port" in line and "RAG_UI_PORT" in line
        assert "Chat window" not in r.stdout
        r = rag("ui", env_extra={"RAG_UI_PORT": str(port)}, timeout=120)  # the variable is really read
        assert f"port {port}" in one_line_error(r) and "Chat window" not in r.stdout
    assert "RAG_UI_PORT" in one_line_error(rag("ui", env_extra={"RAG_UI_PORT": "http"}))
    assert "1-65535" in one_line_error(rag("ui", "--port", "70000"))


def test_an_empty_question_is_refused_before_anything_heavy():
    for question, needle in [("", "empty"), (" \t\n ", "empty"), ("x" * 2001, "limit is 2000")]:
        assert needle in one_line_error(rag("ask", question))
    probe = ("import sys, time\n"
             "t = time.perf_counter()\n"
             "from rag.cli import main\n"
             "rc = main(['ask', ''])\n"
             "print(rc, time.perf_counter() - t, 'rag.answering.engine' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    rc, seconds, engine_imported = r.stdout.split()
    assert rc == "2" and engine_imported == "False" and float(seconds) < 0.3, r.stdout
    assert r.stderr.strip() == "rag: the question is empty"


def test_the_offline_notice_is_shown_once_per_data_folder(tmp_path):
    from rag.answering.engine import OFFLINE_NOTICE

    data = tmp_path / "data"
    assert notice_wanted(OFFLINE_NOTICE, data, verbose=False)  # the first time
    assert (data / NOTICE_MARKER).exists()
    assert not notice_wanted(OFFLINE_NOTICE, data, verbose=False)
    assert notice_wanted(OFFLINE_NOTICE, data, verbose=True)  # -v / --verbose
    assert notice_wanted("HTTP 500; answered offline by quoting the documents instead.", data, verbose=False)


def test_json_citations_name_the_file_their_offsets_index(tmp_path):
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    shutil.copy(POLICY, work / "docs" / "python-policy.html")
    (work / "docs" / "LICENSE").write_text("Llama notes may be copied freely.\n", encoding="utf-8")
    env = {"RAG_DATA_DIR": "idx"}  # relative: paths must still work from any other folder
    r = rag("ingest", "docs", cwd=work, env_extra=env)
    assert r.returncode == 0, r.stderr

    question = "Where must public Python 3 modules be installed?"
    r = rag("ask", question, "--json", cwd=work, env_extra=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["citations"] and not out["refused"]
    for c in out["citations"]:
        assert os.path.isabs(c["path"])
        assert open(c["path"], encoding="utf-8").read()[c["start"]:c["end"]] == c["text"]  # from ROOT, not work/
    html_cited = [c for c in out["citations"] if c["source"] == "python-policy.html"]
    assert html_cited and all(Path(c["path"]).parent == (work / "idx" / "extracted").resolve() for c in html_cited)

    r = rag("ask", question, cwd=work, env_extra=env)  # the first text answer in this data folder
    assert r.returncode == 0, r.stderr
    assert "in the extracted text of python-policy.html (" in r.stdout
    assert "Offline extractive mode" in r.stderr
    r = rag("ask", question, cwd=work, env_extra=env)
    assert r.returncode == 0 and "Offline extractive mode" not in r.stderr
    r = rag("ask", question, "-v", cwd=work, env_extra=env)
    assert r.returncode == 0 and "Offline extractive mode" in r.stderr


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`rag ask "..." | head -1`: the pipe closes while rag still writes; no BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAG_DATA_DIR=str(tmp_path / "data"))
    try:
        r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "Where did Putin and Xi meet?"], stdout=write_end,
                           stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=300)
    finally:
        os.close(write_end)
    assert "Traceback" not in r.stderr and "BrokenPipeError" not in r.stderr, r.stderr
    assert r.returncode == 1
