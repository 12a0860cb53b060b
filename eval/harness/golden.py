"""The golden sets: single questions, conversations and support labels, read from eval/data/*.jsonl.

Each question or turn: id, question, answerable, reference_answer, key_facts
(alternatives joined by " | "), supporting_spans (verbatim substrings of the
seed article), category, split (dev | test). Only dev may be used for tuning.
The support labels are also given as Pairs (labelled_pairs), the form the
checker's training and the LLM judge's measurement take them in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .datasets import Pair

EVAL_DIR = Path(__file__).resolve().parent.parent  # eval/: benchmark results go to eval/results
DATA_DIR = EVAL_DIR / "data"  # the golden sets and the gate's thresholds
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    question: str
    answerable: bool
    reference_answer: str
    key_facts: tuple[str, ...]
    supporting_spans: tuple[str, ...]
    category: str = ""
    conversation: str = ""  # conversation id for a turn
    turn: int = 0


@dataclass(frozen=True)
class Conversation:
    id: str
    split: str
    turns: list[Item] = field(default_factory=list)


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _item(d: dict, **extra) -> Item:
    return Item(
        id=d.get("id", ""), split=d.get("split", extra.pop("split", "")), question=d["question"],
        answerable=bool(d["answerable"]), reference_answer=d.get("reference_answer", ""),
        key_facts=tuple(d.get("key_facts", [])), supporting_spans=tuple(d.get("supporting_spans", [])),
        category=d.get("category", extra.pop("category", "")), **extra,
    )


def _keep(split: str, which: str) -> bool:
    return which == "all" or split == which


def questions(which: str = "all", path: Path = DATA_DIR / "golden.jsonl") -> list[Item]:
    return [_item(d) for d in _jsonl(path) if _keep(d["split"], which)]


def conversations(which: str = "all", path: Path = DATA_DIR / "conversations.jsonl") -> list[Conversation]:
    out = []
    for d in _jsonl(path):
        if not _keep(d["split"], which):
            continue
        turns = [_item(t | {"id": f"{d['id']}.{i}"}, split=d["split"], category="conversation",
                       conversation=d["id"], turn=i) for i, t in enumerate(d["turns"], start=1)]
        out.append(Conversation(d["id"], d["split"], turns))
    return out


def support_labels(which: str = "all", path: Path = DATA_DIR / "support_labels.jsonl") -> list[dict]:
    return [d for d in _jsonl(path) if _keep(d["split"], which)]


def labelled_pairs(split: str) -> list[Pair]:
    """The support labels of a split as Pairs (sentence, its passage, supported or not)."""
    return [Pair(d["id"], d["sentence"], (d["passage"],), bool(d["supported"]), None, "article")
            for d in support_labels(split)]
