"""Files added in the window: which ones are taken (an uploaded file, of a type the window reads,
within the size limit, readable), and the name each is kept under in the collection's uploads
folder (Settings.uploads_dir)."""

from __future__ import annotations

import re
from pathlib import Path

from rag.errors import BadInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".epub", ".odt")


def safe_name(name: str) -> str:
    """A file name for the uploads folder: no folders, no odd characters."""
    base = Path(name).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(base).stem).strip("._") or "document"
    return f"{stem[:80]}{Path(base).suffix.lower()}"


def check_upload(path: Path, allowed: Path | None = None) -> Path:
    """An uploaded file must sit in Gradio's upload folder: a path sent by a client that
    points anywhere else on the server (say /etc/passwd.txt) is refused."""
    from gradio.utils import get_upload_folder

    root = Path(allowed or get_upload_folder()).resolve()
    real = Path(path).resolve()
    if not real.is_relative_to(root) or not real.is_file():
        raise BadInput(f"{Path(path).name}: not an uploaded file")
    return real


def staged_upload(src: Path) -> Path:
    """An uploaded file checked before anything is written: in the upload folder, of a type the
    window takes, within the size limit, and readable (binary, non-UTF-8, corrupt or empty files
    are BadInput, named as the user knows them, not by their temporary path)."""
    from rag.ingestion.documents import read

    src = check_upload(src)
    if src.suffix.lower() not in UPLOAD_SUFFIXES:
        raise BadInput(f"{src.name}: only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    if src.stat().st_size > MAX_UPLOAD_BYTES:
        raise BadInput(f"{src.name} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
    try:
        read(src)
    except BadInput as exc:
        raise BadInput(str(exc).replace(str(src), src.name)) from None
    return src
