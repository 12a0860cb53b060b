"""The offline answerer: answers with verbatim sentences of the retrieved passages.

No LLM runs here, so nothing is generated: each candidate sentence of the
passages is scored against the question (embedding cosine + IDF-weighted word
overlap), and the best one or two are returned, each followed by its `[n]`.
It refuses instead when
  - the question names someone or something the documents never mention,
  - no sentence is close enough to the question (thresholds below, set on the
    golden set's dev split only), or
  - the question asks for a number, date, person or place and no good
    candidate sentence contains one (rag.question).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from .answer import Passage
from .embedding import Embedder
from .question import analyse, has_type
from .text import content_terms, sentence_spans, stem, words

DENSE_WEIGHT = 0.6  # score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * overlap
MIN_SCORE = 0.42  # below this the best sentence does not answer the question
MIN_DENSE = 0.30
NEAR_BEST = 0.85  # candidates within this ratio of the best may serve the answer type
SECOND_SENTENCE = 0.92  # a second sentence joins when it scores this close to the first
MAX_SENTENCES = 2

TYPE_REASON = {"number": "no figure", "date": "no date", "person": "no name", "place": "no place"}


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    text: str
    score: float
    dense: float
    overlap: float


class CorpusStats:
    """Document frequencies over the indexed chunks, for IDF weights and name checks."""

    def __init__(self, texts: list[str]) -> None:
        self.n = max(len(texts), 1)
        self.df: Counter[str] = Counter()
        self.words: set[str] = set()
        for t in texts:
            self.df.update(set(content_terms(t)))
            self.words.update(words(t))

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (self.df.get(term, 0) + 0.5))

    def mentions(self, name: str) -> bool:
        """True when every word of the name occurs in the documents."""
        return all(w in self.words or stem(w) in self.df for w in words(name))


def refusal(question: str, reason: str = "") -> Draft:
    why = f" ({reason})" if reason else ""
    return Draft(f"The documents don't say{why}. Nothing in the indexed text answers: “{question.strip()}”",
                 refused=True, reason=reason)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder: Embedder, stats: CorpusStats) -> None:
        self.embedder = embedder
        self.stats = stats

    def candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        spans = [(p, p.text[s:e]) for p in passages for s, e in sentence_spans(p.text)]
        if not spans:
            return []
        q_terms = set(content_terms(question))
        weights = {t: self.stats.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        vecs = self.embedder.embed([question] + [s for _, s in spans])
        dense = vecs[1:] @ vecs[0]
        out = []
        for (p, sent), d in zip(spans, dense):
            terms = set(content_terms(sent)) | set(content_terms(p.heading))
            overlap = sum(w for t, w in weights.items() if t in terms) / total
            score = DENSE_WEIGHT * float(d) + (1 - DENSE_WEIGHT) * overlap
            out.append(Candidate(p, sent, score, float(d), overlap))
        return sorted(out, key=lambda c: c.score, reverse=True)

    def draft(self, question: str, passages: list[Passage]) -> Draft:
        info = analyse(question)
        unknown = [n for n in info.names if not self.stats.mentions(n)]
        if unknown:
            return refusal(question, f"they never mention {', '.join(unknown)}")
        ranked = self.candidates(question, passages)
        if not ranked or ranked[0].score < MIN_SCORE or ranked[0].dense < MIN_DENSE:
            typed = info.answer_type != "other" and ranked
            if typed and not any(has_type(c.text, info.answer_type, info) for c in ranked[:3]):
                return refusal(question, f"the closest passages give {TYPE_REASON[info.answer_type]}")
            return refusal(question, "no passage is about this")
        best = ranked[0]
        pool = [c for c in ranked if c.score >= NEAR_BEST * best.score]
        if info.answer_type != "other":
            pool = [c for c in pool if has_type(c.text, info.answer_type, info)]
            if not pool:
                return refusal(question, f"the closest passages give {TYPE_REASON[info.answer_type]}")
        chosen = [pool[0]]
        for c in pool[1:]:
            if len(chosen) >= MAX_SENTENCES:
                break
            if c.score >= SECOND_SENTENCE * chosen[0].score and c.text not in {x.text for x in chosen}:
                chosen.append(c)
        # Keep document order within a passage, best passage first.
        first = chosen[0].passage.number
        chosen.sort(key=lambda c: (c.passage.number != first, c.passage.number, c.passage.text.find(c.text)))
        return Draft(" ".join(f"{c.text} [{c.passage.number}]" for c in chosen))

