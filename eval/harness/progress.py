"""A progress bar over the questions of an evaluation run: on a terminal only, gone when done."""

from __future__ import annotations

import sys


def progress(items, desc: str):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, leave=False, disable=not sys.stderr.isatty())
