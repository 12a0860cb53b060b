"""Progress on long work (embedding, indexing, generating) for the terminal: a bar on a terminal,
plain lines in a log. The index and the engine take a `progress(done, total)` callback and know
nothing of terminals; the CLI passes this one."""

from __future__ import annotations

import sys
import time
from typing import Callable


def tqdm_progress(desc: str, stream=None, unit: str = "chunk") -> Callable[[int, int], None]:
    """A progress callback for Store.sync. On a terminal: a tqdm bar, created on the first call
    (when embedding starts, the model already loaded), so its rate is chunks embedded per second.
    Otherwise (a log, a pipe) nothing is redrawn: a plain "done/total" line each tenth of the way,
    and one summary line at the end."""
    stream = stream or sys.stderr
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "start" not in state:
            state["start"] = time.perf_counter()
            if _is_terminal(stream):
                from tqdm import tqdm

                state["bar"] = tqdm(total=total, desc=desc, unit=unit, file=stream, leave=True, initial=done)
        bar = state.get("bar")
        if bar is not None:
            bar.update(done - bar.n)
        elif done < total and total and done * 10 // total > state.get("tenth", 0):
            state["tenth"] = done * 10 // total
            print(f"{desc}: {done}/{total} {unit}s", file=stream, flush=True)
        if done >= total and "closed" not in state:
            state["closed"] = True
            if bar is not None:
                bar.close()
            else:
                seconds = time.perf_counter() - state["start"]
                rate = f", {done / seconds:.1f} {unit}s/s" if seconds > 0 else ""
                print(f"{desc}: {done} {unit}(s) in {seconds:.1f} s{rate}", file=stream, flush=True)

    return update


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
