"""Files the window hands to the browser to download (a chat's Markdown export), kept briefly.

Each export is written to one temporary folder of the window's, and removed once it is older
than KEEP_SECONDS (checked at every export) or when the process ends. Gradio copies a returned
file into its own cache before serving it; the window's Blocks clear that cache too (delete_cache).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from pathlib import Path

KEEP_SECONDS = 600  # long enough for the browser to fetch the file


class Exports:
    def __init__(self, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._folder: Path | None = None
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="rag-exports-"))
                atexit.register(self.close)
            return self._folder

    def write(self, name: str, text: str) -> Path:
        """`text` saved as `name` in a folder of its own (two windows' exports of one name never
        clash); older exports removed first."""
        self.prune()
        path = Path(tempfile.mkdtemp(dir=self.folder)) / name
        path.write_text(text, encoding="utf-8")
        return path

    def prune(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        for sub in self.folder.iterdir():
            try:
                if now - sub.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(sub, ignore_errors=True)
            except OSError:
                pass  # removed meanwhile

    def close(self) -> None:
        with self._lock:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None
