"""The golden set: single questions, conversations and support labels, read from eval/*.jsonl.

Each question or turn: id, question, answerable, reference_answer, key_facts
(alternatives joined by " | "), supporting_spans (verbatim substrings of the
seed article), category, split (dev | test). Only dev may be used for tuning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
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


def questions(which: str = "all", path: Path = EVAL_DIR / "golden.jsonl") -> list[Item]:
    return [_item(d) for d in _jsonl(path) if _keep(d["split"], which)]


def conversations(which: str = "all", path: Path = EVAL_DIR / "conversations.jsonl") -> list[Conversation]:
    out = []
    for d in _jsonl(path):
        if not _keep(d["split"], which):
            continue
        turns = [_item(t | {"id": f"{d['id']}.{i}"}, split=d["split"], category="conversation",
                       conversation=d["id"], turn=i) for i, t in enumerate(d["turns"], start=1)]
        out.append(Conversation(d["id"], d["split"], turns))
    return out


def support_labels(which: str = "all", path: Path = EVAL_DIR / "support_labels.jsonl") -> list[dict]:
    return [d for d in _jsonl(path) if _keep(d["split"], which)]
