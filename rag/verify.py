"""The citation guard applied to every answerer's draft.

1. `[n]` markers that name no retrieved passage are dropped.
2. Each answer sentence must cite at least one passage, and the union of the
   passages it cites must support it (rag.support); other sentences are moved
   from the text to `Answer.unsupported`.
3. Citations list the passages that the kept sentences cite, verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterator

from .answer import Citation, Passage
from .support import SupportScorer
from .text import CITATION_RE, sentence_spans

REFUSAL_RE = re.compile(r"^\W*(i don'?t know|i do not know|i cannot answer|the (documents|sources|context) "
                        r"(don'?t|do not|does not|doesn'?t) (say|contain|mention|provide))", re.IGNORECASE)


def is_refusal(text: str) -> bool:
    return bool(REFUSAL_RE.match(text))


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    unsupported: list[str] = field(default_factory=list)
    dropped_markers: list[int] = field(default_factory=list)


def split_claims(draft: str) -> list[tuple[str, list[int]]]:
    """Split a draft into (sentence without markers, cited numbers) pairs.

    A marker run after the sentence's final punctuation ("... Beijing. [1]")
    belongs to that sentence, whether the sentence splitter puts it at the
    start of the next span or in a span of its own.
    """
    claims: list[tuple[str, list[int]]] = []
    text = draft.strip()
    for s, e in sentence_spans(text):
        sent = text[s:e]
        lead = re.match(r"(?:\s*\[\d{1,3}\])+", sent)
        if lead and claims:  # "[1]" opening a span belongs to the sentence before it
            claims[-1][1].extend(int(n) for n in re.findall(r"\d+", lead.group()))
            sent = sent[lead.end():]
        numbers = [int(n) for n in re.findall(r"\[(\d{1,3})\]", sent)]
        plain = re.sub(r"\s+([.,;:!?])", r"\1", CITATION_RE.sub("", sent)).strip()
        plain = re.sub(r"[,;:]+(?=[.!?]$)", "", plain)  # "Beijing, [2]." -> "Beijing."
        if plain.strip(".,;:!?\"'”’ "):
            claims.append((plain, numbers))
        elif claims:
            claims[-1][1].extend(numbers)
    return claims


class Numbering:
    """Sources numbered as the answer cites them: the first passage cited is [1], the next [2].

    Retrieval numbers passages by rank; a reader wants [1], [2] ... in reading
    order, and the same passage under one number within an answer (streamed
    sentence by sentence, so one Numbering serves every verify() of an answer)."""

    def __init__(self) -> None:
        self.of: dict[int, int] = {}

    def __call__(self, retrieval_number: int) -> int:
        return self.of.setdefault(retrieval_number, len(self.of) + 1)

    def passages(self, passages: list[Passage]) -> list[Passage]:
        """The passages renumbered: cited ones first, in citation order, then the others by rank."""
        cited = sorted((p for p in passages if p.number in self.of), key=lambda p: self.of[p.number])
        rest = [p for p in passages if p.number not in self.of]
        return [replace(p, number=i) for i, p in enumerate(cited + rest, 1)]


def verify(draft: str, passages: list[Passage], scorer: SupportScorer, question: str | None = None,
           numbering: Numbering | None = None) -> Verified:
    """The guard. With the question, words an answer repeats from it are not asked of the passages.
    Markers in the result use `numbering` (a new one by default); so do the citations."""
    numbering = numbering if numbering is not None else Numbering()
    by_number = {p.number: p for p in passages}
    kept: list[str] = []
    cited: set[int] = set()
    out = Verified("", [])
    for sentence, numbers in split_claims(draft):
        valid = list(dict.fromkeys(n for n in numbers if n in by_number))
        out.dropped_markers += [n for n in numbers if n not in by_number]
        if valid and scorer.supports(sentence, [by_number[n].text for n in valid], question):
            kept.append(sentence + "".join(f" [{numbering(n)}]" for n in valid))
            cited.update(valid)
        else:
            out.unsupported.append(sentence)
    out.text = " ".join(kept)
    out.citations = sorted((replace(Citation.of(by_number[n]), number=numbering(n)) for n in cited),
                           key=lambda c: c.number)
    return out


def complete_sentences(deltas: Iterator[str]) -> Iterator[str]:
    """Regroup streamed text deltas into whole sentences (with their trailing [n] markers).

    A sentence is complete once the next one has begun with something other than
    a citation marker; the remainder is flushed when the stream ends.
    """
    buffer = ""
    for delta in deltas:
        buffer += delta
        spans = sentence_spans(buffer)
        while len(spans) >= 2 and not buffer[spans[-1][0]:].lstrip().startswith("["):
            cut = spans[-1][0]
            head, buffer = buffer[:cut].strip(), buffer[cut:]
            if head:
                yield head
            spans = sentence_spans(buffer)
    if buffer.strip():
        yield buffer.strip()
