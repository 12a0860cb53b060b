"""The citation guard applied to every answerer's draft.

1. `[n]` markers that name no retrieved passage are dropped.
2. Each answer sentence must be supported (rag.guard.support) by the union of the
   passages it cites. A sentence that cites nothing, or cites passages that do
   not support it, is re-cited to the retrieved passage that best supports it,
   when one does: small models often drop a marker ("Paris.") or point at the
   neighbouring source, and the sentence is right. Other sentences are moved
   from the text to `Answer.unsupported`.
3. Citations list the passages that the kept sentences cite, verbatim.

With an LLM configured and RAG_LLM_OPINION=1, the model gives a second opinion on every
sentence that cites a source (`opinion`: P(yes) that its cited passages state it, rag.llm.client.LLMAnswerer.opinion).
A sentence is kept when the lexical checker supports it and the model does not clearly deny it
(P(yes) >= OPINION_VETO), or when the model clearly affirms it (P(yes) >= OPINION_KEEP) though
the lexical checker would remove it ("closes at 10 pm" read from "22:00"). Both cut-offs were
set on dev pairs (HaluEval QA dev, the article's labelled dev pairs); docs/guard.md has the
held-out figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from rag.answer import Citation, Passage
from rag.guard.support import SupportScorer
from rag.values import canonical
from rag.text import content_terms, opens_with_reference, sentence_spans, sentences, split_claims


OPINION_VETO = 0.4  # a lexically supported sentence the model gives a lower P(yes) is removed
OPINION_KEEP = 0.97  # a sentence the model gives at least this P(yes) is kept whatever the lexical verdict

Opinion = Callable[[str, list[str], "str | None"], "float | None"]  # (claim, sources, question) -> P(yes)


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    unsupported: list[str] = field(default_factory=list)
    dropped_markers: list[int] = field(default_factory=list)
    recited: list[str] = field(default_factory=list)  # kept under another source than the one it cited


def best_source(sentence: str, passages: list[Passage], scorer: SupportScorer, question: str | None,
                skip: set[int], own: set[int] = frozenset()) -> int | None:
    """The number of the passage (not in `skip`, the sources the sentence cited) that best
    supports the sentence on its own, if any. (Trying pairs of passages as well let invented
    sentences through on the union's wider vocabulary: "The meeting in Lyon was part of a
    visit to the French city".)

    With a question, a passage must also hold the sentence's words beside the question's
    (in one of its sentences): "Paris" moves to "The two leaders met in Paris" for "Where did
    they meet?", but "PWNED", lifted from an instruction planted in a memo, does not move to
    it for "What is the budget for 2031?". Passages in `own`, which the answer's earlier
    sentences already cite, need not: a small model often marks only its first sentence, and
    the next one goes on from the same source. The checker's score decides, not the
    verbatim-quote rule, for the same reason."""
    allowed = [p for p in passages
               if p.number in own or not question or beside_question(sentence, p.evidence, question)]
    context = [p.evidence for p in passages]
    scored = [(s.score, p.number) for p in allowed if p.number not in skip
              for s in [scorer.score(sentence, [p.evidence], question, context)] if s.checked()]
    return max(scored)[1] if scored else None


def beside_question(sentence: str, passage: str, question: str) -> bool:
    """Does some sentence of the passage hold both a word the answer brings and a word of the question
    (or, when it opens with "This", "It", "They" ..., the sentence before it the question's word)?"""
    own, asked = set(content_terms(sentence)), set(content_terms(question))
    new = own - asked
    if not new or not asked:
        return True  # nothing to place: the answer only repeats the question, or the question has no words
    # a sentence that goes on from the one before it ("This shift has provided a lifeline ...")
    # is read with it: the question's words ("the pivot to exports") are often there
    sents = sentences(passage)
    terms = [set(content_terms(s)) for s in sents]
    return any(new & t and asked & (t | (terms[i - 1] if i and opens_with_reference(sents[i]) else set()))
               for i, t in enumerate(terms))


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


def ask(opinion: Opinion | None, sentence: str, sources: list[str], question: str | None) -> float | None:
    """The model's P(yes) (None without a model), asked with every value in its normal form
    (rag.values.canonical): a small model does not see that "10 pm" is "22:00" (P(yes) 0.18
    against 0.90 in normal form)."""
    if opinion is None:
        return None
    return opinion(canonical(sentence), [canonical(s) for s in sources], canonical(question) if question else question)


def supported(sentence: str, sources: list[str], scorer: SupportScorer, question: str | None,
              context: list[str], opinion: Opinion | None = None) -> tuple[bool, bool]:
    """(kept?, vetoed?): the lexical checker's verdict on the sentence against its cited sources,
    with the model's second opinion when there is one. Vetoed: the lexical checker kept it and
    the model denied it, so it is not moved to another source either."""
    lexical = scorer.supports(sentence, sources, question, context)
    p = ask(opinion, sentence, sources, question)
    if p is None:
        return lexical, False
    if lexical:
        return p >= OPINION_VETO, p < OPINION_VETO
    return p >= OPINION_KEEP, False


def denied(opinion: Opinion | None, sentence: str, sources: list[str], question: str | None) -> bool:
    """Does the model (if any) deny that the sources state the sentence?"""
    p = ask(opinion, sentence, sources, question)
    return p is not None and p < OPINION_VETO


def verify(draft: str, passages: list[Passage], scorer: SupportScorer, question: str | None = None,
           numbering: Numbering | None = None, opinion: Opinion | None = None) -> Verified:
    """The guard. With the question, words an answer repeats from it are not asked of the passages.
    Markers in the result use `numbering` (a new one by default); so do the citations. `opinion`:
    the model's second opinion (see the module's notes), None offline."""
    numbering = numbering if numbering is not None else Numbering()
    by_number = {p.number: p for p in passages}
    # each passage read under its title and heading ("Heron 2.4 release notes" gives the 2.4 of
    # "Heron 2.4 requires Node 20"); the retrieved passages complete names (rag.guard.support.features)
    context = [p.evidence for p in passages]
    kept: list[str] = []
    cited: set[int] = set()
    out = Verified("", [])
    for sentence, numbers in split_claims(draft):
        valid = list(dict.fromkeys(n for n in numbers if n in by_number))
        out.dropped_markers += [n for n in numbers if n not in by_number]
        ok, vetoed = (supported(sentence, [by_number[n].evidence for n in valid], scorer, question, context, opinion)
                      if valid else (False, False))
        if not ok:
            other = (best_source(sentence, passages, scorer, question, set(valid), set(numbering.of) | cited)
                     if scorer.rules.recite and not vetoed else None)
            if other is not None and denied(opinion, sentence, [by_number[other].evidence], question):
                other = None  # moved to another source, it is judged there by the model too
            if other is None:
                out.unsupported.append(sentence)
                continue
            valid = [other]
            out.recited.append(sentence)
        kept.append(sentence + "".join(f" [{numbering(n)}]" for n in valid))
        cited.update(valid)
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
