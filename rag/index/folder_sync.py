"""Keep a collection in line with one folder (`rag sync DIR [--watch]`): add, update, remove."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import BadInput
from rag.index.store import Store, SyncReport
from rag.ingestion.documents import expand, read, skipped as skipped_line


def folder(raw: str | Path) -> Path:
    """The folder to sync, absolute; BadInput when it is missing or not a folder."""
    path = Path(raw).expanduser()
    if not path.exists():
        raise BadInput(f"no such folder: {raw}")
    if not path.is_dir():
        raise BadInput(f"{raw} is not a folder; `rag ingest` takes single files")
    return path.resolve()


def vanished(root: Path) -> BadInput:
    return BadInput(f"the folder {root} vanished during the sync; the index holds what was done before; "
                    f"run it again when the folder is back")


@dataclass
class PassReport:
    sync: SyncReport
    deleted_files: int = 0
    deleted_chunks: int = 0
    count: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.sync.added or self.sync.removed or self.deleted_chunks)

    def line(self, collection: str) -> str:
        return (f"{self.sync}; {self.deleted_files} deleted file(s) removed ({self.deleted_chunks} chunk(s)); "
                f"collection {collection} holds {self.count} chunk(s)")


def _under(path: str, root: Path) -> bool:
    return Path(path).is_relative_to(root)


def _walk(root: Path, on_skip: Callable[[Path, str], None]) -> list[Path]:
    """The files `rag ingest DIR` would take (documents.expand: links out of the folder are
    reported, not followed); an empty folder gives []."""
    try:
        return expand([root], on_skip)
    except BadInput:
        if root.is_dir():
            return []  # no file to index: everything indexed from here goes
        raise vanished(root) from None
    except OSError:  # the walk lost the folder under it
        raise vanished(root) from None


def sync_folder(store: Store, root: Path, extract_dir: Path | None,
                warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
                progress: Callable[[int, int], None] | None = None) -> PassReport:
    """One pass: index the folder's new and changed files, drop the chunks of files under `root`
    that are gone, leave everything else in the collection alone. A file that cannot be read is
    skipped (warned about; its earlier chunks, if any, are kept). The folder going away stops the
    pass with BadInput before anything is deleted; chunks of files already read may be added
    (Store.sync adds before it deletes, so the index is never left with a hole)."""
    from rag.index.derived import Derived

    docs, skipped = [], []

    def skip(path: Path, reason: str) -> None:
        skipped.append((path, reason))
        warn(skipped_line(path, reason))

    for path in _walk(root, skip):
        try:
            docs.append(read(path, extract_dir))
        except (BadInput, OSError) as exc:
            if not root.is_dir():
                raise vanished(root) from None
            if not path.exists():
                continue  # deleted while we read: removed below like any gone file
            skip(path, str(exc).replace(str(path), path.name))
    if not root.is_dir():
        raise vanished(root)
    report = PassReport(store.sync(docs, progress=progress), skipped=skipped)
    if not root.is_dir():  # never read "every file is gone" into a folder that is missing
        raise vanished(root)
    linked_out = {str(p) for p, _ in skipped if p.is_symlink()}  # a file turned into a link out leaves too
    for path in sorted(store.sources()):
        if _under(path, root) and (not Path(path).exists() or path in linked_out):
            report.deleted_chunks += store.remove(path)
            report.deleted_files += 1
    report.count = store.count()
    Derived(store).ensure_saved()  # the keyword index, saved now so the next start only loads it
    return report


def watch(root: Path, run_pass: Callable[[], None], *, ignore: Path | None = None,
          stop_after: float | None = None) -> None:
    """Call run_pass after each batch of changes under root (watchfiles' debounce), until Ctrl-C,
    SIGTERM or `stop_after` seconds. Changes under `ignore` (the data folder) are not events."""
    import signal
    import threading

    import watchfiles

    stop = threading.Event()
    if stop_after is not None:
        timer = threading.Timer(stop_after, stop.set)
        timer.daemon = True
        timer.start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a clean stop, as Ctrl-C
    default = watchfiles.DefaultFilter()
    ignore = ignore.resolve() if ignore is not None else None

    def wanted(change, path: str) -> bool:
        return default(change, path) and not (ignore is not None and Path(path).is_relative_to(ignore))

    for _ in watchfiles.watch(root, watch_filter=wanted, stop_event=stop, raise_interrupt=False):
        run_pass()
        if stop.is_set():
            return
