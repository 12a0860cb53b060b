"""Find and read the files to index, refusing bad ones before the index is touched.

Extracts text from .html and .pdf (rag.ingestion.parsers) and from .docx,
.pptx, .xlsx, .csv, .epub and .odt (rag.ingestion.office); reads any other file
whose content is UTF-8 text (.txt, .md, .rst, .json, source code, LICENSE,
Apache-2.0...) as it is: the type is judged by content, not name. Offsets
everywhere are offsets into the string that `open(text_path, encoding="utf-8").read()`
returns, so a citation's `text == open(path).read()[start:end]` holds exactly;
for text files the text path is the file itself, for the others it is the
extracted text saved in the data folder.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rag.errors import BadInput
from rag.ingestion.office import ZIPPED, csv_text, document_text

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = TEXT_SUFFIXES + (".html", ".htm", ".pdf") + ZIPPED + (".csv",)
SUPPORTED = f"{', '.join(SUFFIXES)} and any other UTF-8 text file"
MAX_FILE_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 65536


@dataclass(frozen=True)
class SourceDoc:
    path: Path  # absolute: the document's identity in the index
    text: str
    text_path: Path | None = None  # where `text` is stored, when it was extracted
    pages: tuple[int, ...] = ()  # a PDF's: where page n starts in `text`, at index n - 1
    layout: object | None = field(default=None, compare=False)  # a PDF's: where its words sit on the pages (rag.ingestion.layout.Layout)
    meta: dict = field(default_factory=dict, compare=False)  # a web page's: url, title, outlet, author, published

    @property
    def ocr_pages(self) -> tuple[int, ...]:
        """The pages read by OCR (a scan has no text layer)."""
        return tuple(self.layout.ocr_pages) if self.layout is not None else ()

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def looks_like_text(path: Path) -> bool:
    """The file's first 64 KiB hold no NUL byte and decode as UTF-8 (judged by content, not name)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at the end is fine
    except (OSError, UnicodeDecodeError):
        return False
    return b"\x00" not in head


def _wanted(path: Path) -> bool:
    """The types with a parser, plus any file whose content is text (LICENSE, notes.rst, setup.cfg)."""
    return path.suffix.lower() in SUFFIXES or looks_like_text(path)


def _walk(folder: Path, on_skip: Callable[[Path, str], None]) -> list[Path]:
    """The wanted files under `folder` (resolved), hidden parts left out. A link is followed only
    when it lands inside the folder: a folder someone shares must never pull in what lies outside
    it, so a link to a file or folder elsewhere is reported to `on_skip` and left out. Links to
    folders are not walked (what they point to inside the folder is walked where it is), so a
    link loop cannot trap the walk."""
    root = folder.resolve()
    found = []
    for top, dirs, files in os.walk(root):  # followlinks=False: linked folders are listed, not entered
        here = Path(top)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            link = here / name
            if link.is_symlink() and not link.resolve().is_relative_to(root):
                on_skip(link, f"a link to a folder outside {folder} ({link.resolve()})")
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = here / name
            real = path.resolve()
            if path.is_symlink() and not real.is_relative_to(root):
                on_skip(path, f"a link to a file outside {folder} ({real})")
                continue
            if real.is_file() and _wanted(real):  # not a broken link, a pipe or a socket
                found.append(real)
    return found


def skipped(path: Path, reason: str) -> str:
    """The line that says a file was left out, and why."""
    return f"rag: skipped {path}: {reason}"


def _warn(path: Path, reason: str) -> None:
    print(skipped(path, reason), file=sys.stderr, flush=True)


def expand(paths: list[str | Path], on_skip: Callable[[Path, str], None] = _warn) -> list[Path]:
    """Files named, plus supported files found under folders named (see _walk: links out of a
    folder are reported to `on_skip`, not followed); sorted, unique."""
    if not paths:
        raise BadInput("no path given")
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise BadInput(f"no such file or folder: {raw}")
        if path.is_dir():
            files = _walk(path, on_skip)
            if not files:
                raise BadInput(f"no {'/'.join(SUFFIXES)} or other UTF-8 text files under {raw}")
            found.update((f, None) for f in sorted(files))
        elif not _wanted(path):
            what = (f"unsupported file type {path.suffix!r} for {raw} (its content is not UTF-8 text either)"
                    if path.suffix else f"{raw} has no extension and is not UTF-8 text")
            raise BadInput(f"{what}; supported: {SUPPORTED}")
        else:
            found[path.resolve()] = None
    return list(found)


def read(path: Path, extract_dir: Path | None = None) -> SourceDoc:
    """Read one file as text, or raise BadInput saying why it cannot be indexed."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadInput(f"{path} is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        if not raw.startswith(b"%PDF"):
            raise BadInput(f"{path} is not a PDF file")
        from rag.ingestion.pdf import pdf_pages

        text, pages, layout = pdf_pages(path)
        return _extracted(path, text, pages, extract_dir=extract_dir, layout=layout)
    if suffix in ZIPPED:
        return _extracted(path, document_text(path, raw), extract_dir=extract_dir)
    if b"\x00" in raw[:65536]:
        raise BadInput(f"{path} looks binary (it contains NUL bytes), not text")
    if suffix in (".html", ".htm"):
        from rag.ingestion.parsers import html_text

        return _extracted(path, html_text(raw, path.name), extract_dir=extract_dir)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    # Decode the way open(path).read() does (universal newlines) so offsets agree.
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if not text.strip():
        raise BadInput(f"{path} has no text")
    if suffix == ".csv":
        return _extracted(path, csv_text(text, path.name), extract_dir=extract_dir)
    return SourceDoc(path=path, text=text)


def _extracted(path: Path, text: str, pages: tuple[int, ...] = (), *, extract_dir: Path | None,
               layout=None, meta: dict | None = None) -> SourceDoc:
    """Save extracted text where citations can point (data folder/extracted/), and a PDF's layout beside it."""
    meta = meta or {}
    if extract_dir is None:
        return SourceDoc(path=path, text=text, pages=pages, layout=layout, meta=meta)
    extract_dir = extract_dir.resolve()  # citations name it from any working folder
    extract_dir.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:10]
    target = extract_dir / f"{path.stem[:60]}-{tag}.txt"
    with open(target, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    if layout is not None:
        layout.save(target)
    return SourceDoc(path=path, text=text, text_path=target, pages=pages, layout=layout, meta=meta)


def load(paths: list[str | Path], extract_dir: Path | None = None,
         on_skip: Callable[[Path, str], None] = _warn) -> list[SourceDoc]:
    """Read every file that `paths` name or hold, before anything is indexed. A file named that
    cannot be read is BadInput (the command names a bad file: nothing is indexed). A file found
    under a folder that cannot be read (binary, empty, corrupt) is reported to `on_skip` and left
    out, so one bad file does not cost the others; BadInput when none could be read."""
    named = {Path(raw).expanduser().resolve() for raw in paths if not Path(raw).expanduser().is_dir()}
    files = expand(paths, on_skip)
    docs, bad = [], []
    for path in files:
        try:
            docs.append(read(path, extract_dir))
        except BadInput as exc:
            if path in named:
                raise
            bad.append(str(exc))
            on_skip(path, str(exc).replace(str(path), path.name))
    if not docs:
        raise BadInput(bad[0] if len(bad) == 1 else f"none of the {len(files)} file(s) could be read; see above")
    return docs
