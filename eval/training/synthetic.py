"""Synthetic claim/passage pairs for the support checker, in the manner of MiniCheck.

From real documents (HaluEval summarization dev documents, never the rows the
multi-document suite uses) we make pairs whose two sides have the same length,
so the checker cannot learn "short means supported":
  supported:   a sentence of the document with a clause left out (or whole), or a
               sentence of the document's human-written right summary (a paraphrase);
  unsupported: the same sentence with one number or name swapped for one from
               another document (a new specific), or for another from the same
               document (every word is in the passage, the pairing is not), or
               with a negation put in or taken out.
"""

from __future__ import annotations

import random
import re

from rag.guard.support import specifics
from rag.text import sentences

from ..harness.datasets import Pair

AUX_RE = re.compile(r"\b(is|was|are|were|has|have|had|will|can|could|would|should|did|does)\b")


def _shorter(sentence: str, rng: random.Random) -> str:
    """The sentence with one comma-delimited clause dropped, when it has one."""
    parts = [p for p in re.split(r",\s+", sentence.rstrip(".")) if p]
    if len(parts) < 3:
        return sentence
    drop = rng.randrange(1, len(parts))
    return ", ".join(p for i, p in enumerate(parts) if i != drop) + "."


def _swap(sentence: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, sentence, count=1, flags=re.IGNORECASE)


def _negate(sentence: str) -> str | None:
    if re.search(r"\bnot\b", sentence):
        return re.sub(r"\s+not\b", "", sentence, count=1)
    m = AUX_RE.search(sentence)
    return sentence[:m.end()] + " not" + sentence[m.end():] if m else None


def synthetic_pairs(docs: list[str], n: int, seed: int = 0, claims: list[str] | None = None,
                    kind: str = "synthetic") -> list[Pair]:
    """claims[i], when given, holds sentences about docs[i] to use instead of the document's own
    (e.g. the sentences of a human-written summary: paraphrases, not quotes)."""
    rng = random.Random(seed)
    found = []  # (doc index, sentence, numbers, names as written)
    for d, doc in enumerate(docs):
        for s in sentences(claims[d] if claims else doc):
            if 6 <= len(s.split()) <= 40:
                numbers, _ = specifics(s)
                names = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]{2,}\b", s)
                found.append((d, s, sorted(numbers), names))
    rng.shuffle(found)
    all_numbers = [x for _, _, nums, _ in found for x in nums if x.isdigit()]
    all_names = [x for _, _, _, names in found for x in names]
    out = []
    for i, (d, s, numbers, names) in enumerate(found[:n]):
        doc = docs[d]
        if not claims:
            s = _shorter(s, rng)  # both sides: the same shortened sentence, one of them corrupted
        numbers = [x for x in numbers if re.search(rf"\b{re.escape(x)}\b", s)]
        names = [x for x in names if re.search(rf"\b{re.escape(x)}\b", s)]
        out.append(Pair(f"{kind}-{i}-right", s, (doc,), True, None, kind))
        kind = rng.choice(["other_doc", "same_doc", "negation"])
        wrong = None
        if kind == "negation":
            wrong = _negate(s)
        else:
            targets = [x for x in numbers if x.isdigit()] or names
            if targets:
                old = rng.choice(targets)
                pool = all_numbers if old.isdigit() else all_names
                doc_words = set(re.findall(r"\w+", doc.lower()))
                if kind == "same_doc":
                    pool = [x for x in (numbers + names if old.isdigit() else re.findall(r"\b[A-Z][a-z]{2,}\b", doc))
                            if x.lower() != old.lower() and (x.isdigit() == old.isdigit())]
                else:
                    pool = [x for x in rng.sample(pool, min(50, len(pool))) if x.lower() not in doc_words]
                if pool:
                    wrong = _swap(s, old, rng.choice(pool))
        if wrong and wrong != s:
            out.append(Pair(f"{kind}-{i}-wrong", wrong, (doc,), False, None, kind))
    return out
