"""The guard over one answer: which of the draft's sentences are shown, held back, removed, or
turn the answer into a refusal.

`Guard` takes a draft whole (`take`, the offline answerer) or sentence by sentence as
the LLM streams it (`stream`, which yields only text that is ready to show). Every
sentence goes through rag.guard.verify (its citations checked against the passages it
cites). On top of that, each decision switched by a GuardRules field (rag.guard.rules):
- a first sentence that declines ("I don't know") is the answer: a refusal;
- when a value is asked for (a time, a date, a price, a count, a code ...), kept sentences wait
  until one of them gives a kind the question accepts (rag.values), and none by the end is a
  refusal (`held_for_type`);
- when every sentence was removed, `invented` lists the specifics they made up (or the
  question's premise they restated), so that the engine refuses instead of quoting the
  closest passages (`invented_refusal`).
"""

from __future__ import annotations

import time
from typing import Iterable, Iterator

from rag.answer import Citation, Draft, Passage, is_refusal, refusal
from rag.question import TYPE_REASON, analyse, has_type
from rag.guard.support import NEGATION, SupportScorer
from rag.guard.verify import Numbering, Opinion, verify
from rag.lexicon import SPECIFIC_RE
from rag.text import content_terms, strip_citations


class Guard:
    def __init__(self, question: str, passages: list[Passage], scorer: SupportScorer,
                 opinion: Opinion | None = None) -> None:
        self.question, self.passages, self.scorer = question, passages, scorer
        self.opinion = opinion  # the model's second opinion on each sentence (rag.guard.verify)
        self.rules = scorer.rules
        self.numbering = Numbering()  # sources numbered [1], [2] ... in the order the answer cites them
        self.text = ""
        self.refused = False
        self.citations: list[Citation] = []
        self.unsupported: list[str] = []
        self.recited: list[str] = []
        self.seconds = 0.0  # time spent checking

    def _verify(self, text: str):
        t = time.perf_counter()
        checked = verify(text, self.passages, self.scorer, self.question, self.numbering, self.opinion)
        self.seconds += time.perf_counter() - t
        self.unsupported += checked.unsupported
        self.recited += checked.recited
        return checked

    def take(self, draft: Draft) -> None:
        """A whole draft: its supported sentences are kept, with their citations."""
        if draft.refused:
            self.text, self.refused = draft.text, True
            return
        checked = self._verify(draft.text)
        self.text, self.citations = checked.text, checked.citations

    def stream(self, sentences: Iterable[str]) -> Iterator[str]:
        """Check streamed sentences as they complete; yield the text that may be shown."""
        info = analyse(self.question)
        held = [] if self.rules.held_for_type and info.answer_type not in ("person", "place", "other") else None
        kept: list[str] = []
        cited: dict[int, Citation] = {}
        for i, sentence in enumerate(sentences):
            if i == 0 and is_refusal(sentence):
                self.text, self.refused = sentence, True
                return
            checked = self._verify(sentence)
            if not checked.citations:
                continue
            kept.append(checked.text)
            cited.update((c.number, c) for c in checked.citations)
            if held is None:
                yield checked.text + " "
                continue
            held.append(checked.text)
            if has_type(strip_citations(checked.text), info.answer_type, info):
                yield " ".join(held) + " "
                held = None
        self.text, self.citations = " ".join(kept), [cited[n] for n in sorted(cited)]
        if held:
            self.text = refusal(self.question, f"the supported sentences give {TYPE_REASON[info.answer_type]}").text
            self.refused, self.citations = True, []

    @property
    def removed_all(self) -> bool:
        """Did the guard remove every sentence of a draft that was no refusal?"""
        return not self.refused and not self.citations

    @property
    def invented(self) -> list[str]:
        """When every removed sentence made up what it was asked for: the names and figures, as
        written, that no retrieved passage holds (and restated premises, quoted); else []."""
        if not self.rules.invented_refusal:
            return []
        removed = self.unsupported
        # a sentence that only restates its question ("The city banned cars." for "Why did the
        # city ban cars?") counts as itself: the premise is what no passage holds. One removed without either (a right answer cited to the wrong source) counts for none.
        texts = [p.evidence for p in self.passages]
        premises = [s for s in removed if restates(s, self.question)]
        found = [self.scorer.score(s, texts, self.question) for s in removed if s not in premises]
        if not removed or not all(s.invented for s in found):
            return []
        novel = {n for s in found for n in s.novel if n != NEGATION}
        spans = [m.group() for s in removed if s not in premises for m in SPECIFIC_RE.finditer(s)]
        written = [x for x in spans if novel & {w.lower().strip(".,$%") for w in x.split()}]
        written += [f"“{s.rstrip('.!?')}”" for s in premises]
        return list(dict.fromkeys(written)) or sorted(novel)


def restates(sentence: str, question: str) -> bool:
    """Are all the sentence's content words the question's?"""
    own = content_terms(sentence)
    return bool(own) and set(own) <= set(content_terms(question))
