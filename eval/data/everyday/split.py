"""The dev/test split of the everyday set: one document of each genre in each split.

    python3 eval/data/everyday/split.py

For each genre (in this order), a coin flip with random.Random(2026) decides which of its
two documents is dev: random() < 0.5 puts the first listed document in dev. The flips were
made when the documents had been chosen and before any question was written.
"""

import json
import random
from pathlib import Path

SEED = 2026

# genre, then its two documents, in the order the coins were flipped
PAIRS = [tuple(row) for row in json.loads((Path(__file__).with_name("genres.json")).read_text(encoding="utf-8"))]


def split() -> dict[str, str]:
    """document file name -> "dev" or "test"."""
    rng = random.Random(SEED)
    result = {}
    for _genre, first, second in PAIRS:
        dev, test = (first, second) if rng.random() < 0.5 else (second, first)
        result[dev], result[test] = "dev", "test"
    return result


if __name__ == "__main__":
    s = split()
    for genre, first, second in PAIRS:
        dev = first if s[first] == "dev" else second
        test = second if dev == first else first
        print(f"{genre:14} dev: {dev:42} test: {test}")
