"""The offline answerer: answers with verbatim sentences of the retrieved passages.

No LLM runs here, so nothing is generated: each candidate sentence of the
passages is scored against the question (embedding cosine + IDF-weighted word
overlap), and the best one or two are returned, each followed by its `[n]`.
Whether to answer at all is the answerability judge's call
(rag.answerable; the rules by default, a learned judge beside them): it weighs how close the best sentence is, how much of the
question the passages cover, names the documents never mention, and whether
the asked-for kind of thing (a number, date, person or place) is there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .answer import Passage
from .answerable import default_judge
from .embedding import Embedder
from .followup import split_context
from .question import analyse, anchored, has_type
from .text import content_terms, opens_with_reference, sentence_spans, stem, words



@dataclass(frozen=True)
class Params:
    """Scoring weights and refusal thresholds, set on the golden set's dev split only
    (python -m eval.tune prints the grid it searched)."""

    dense_weight: float = 0.6  # score = dense_weight * cosine + (1 - dense_weight) * overlap
    near_best: float = 0.85  # candidates within this ratio of the best may serve the answer type
    second: float = 0.90  # a second sentence joins when it scores this close to the first
    follow_on: float = 0.75  # ... or when it continues the first ("This partnership ...") this close
    context_weight: float = 0.5  # weight of words carried over from earlier turns
    max_sentences: int = 2
    common_share: float = 0.5  # names in more than this share of chunks are the topic, not an answer


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
        self.acronyms: set[str] = set()  # "US" for "U.S.", "HHS": capitals the text writes as one name
        for t in texts:
            self.df.update(set(content_terms(t)))
            self.words.update(words(t))
            self.acronyms.update(acronyms(t))

    def to_dict(self) -> dict:
        return {"n": self.n, "df": dict(self.df), "words": sorted(self.words), "acronyms": sorted(self.acronyms)}

    @classmethod
    def from_dict(cls, data: dict) -> CorpusStats:
        stats = cls([])
        stats.n, stats.df, stats.words = int(data["n"]), Counter(data["df"]), set(data["words"])
        stats.acronyms = set(data["acronyms"])  # a copy saved before acronyms were kept fails here and is rebuilt
        return stats

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (self.df.get(term, 0) + 0.5))

    def share(self, word: str) -> float:
        """Share of chunks that contain the word."""
        return self.df.get(stem(word.lower()), 0) / self.n

    def mentions(self, name: str) -> bool:
        """True when every word of the name occurs in the documents, or the name's initials do as an
        acronym ("United States" where they write "U.S."), or the name is an acronym they write out
        or dot ("US" for "U.S.", "United States")."""
        known = lambda w: w in self.words or stem(w) in self.df  # noqa: E731
        tokens = name.replace("-", " ").split()
        caps = capitalised(tokens)
        if len(caps) > 1 and initials(caps) in self.acronyms:
            return True
        return all(all(known(w) for w in words(t)) or (t.isupper() and t.lower() in self.acronyms) for t in tokens)


# Dotted ("U.S.") or capital ("HHS", "CEOs") acronyms, and runs of capitalised words ("Department of Health").
ACRONYM_RE = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,6}(?=s?\b)")
NAME_WORDS_RE = re.compile(r"[A-Z][a-z]+(?:\s+(?:of|and|for|the|&)?\s*[A-Z][a-z]+)+")


def capitalised(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t[:1].isupper()]


def initials(tokens: list[str]) -> str:
    """"us" for ["United", "States"]: the acronym a name's capitalised words make."""
    return "".join(t[0] for t in tokens).lower()


def acronyms(text: str) -> set[str]:
    """Acronyms a text writes ("U.S." and "HHS" as "us", "hhs") and the initials of the capitalised
    names it spells out ("United States" as "us"; "Department of Health and Human Services" as "dhhs",
    and as "hhs" from its words after the first)."""
    found = {m.group().replace(".", "").lower() for m in ACRONYM_RE.finditer(text)}
    for m in NAME_WORDS_RE.finditer(text):
        caps = capitalised(m.group().split())
        found.update({initials(caps), initials(caps[1:])})
    return {a for a in found if len(a) >= 2}


def refusal(question: str, reason: str = "") -> Draft:
    why = f" ({reason})" if reason else ""
    return Draft(f"The documents don't say{why}. Nothing in the indexed text answers: “{question.strip()}”",
                 refused=True, reason=reason)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder: Embedder, stats: CorpusStats, params: Params | None = None,
                 judge=None) -> None:
        self.embedder = embedder
        self.stats = stats
        self.p = params or Params()
        self.judge = judge or default_judge()

    def candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        """Every sentence of the passages, best first.

        A condensed follow-up ("Why? (about: ...)") is scored mostly on its own
        words; the carried-over context counts with weight context_weight.
        """
        spans = [(p, p.text[s:e]) for p in passages for s, e in sentence_spans(p.text)]
        # Chunks overlap, so a sentence cut at a chunk's edge ("... a test Jan.") may be whole in a
        # neighbouring chunk: the cut piece would repeat it, so only the whole sentence is a candidate.
        texts = {t for _, t in spans}
        spans = [(p, t) for p, t in spans if not any(t != u and (u.startswith(t) or u.endswith(t)) for u in texts)]
        if not spans:
            return []
        focus, context = split_context(question)
        weights = {t: self.stats.idf(t) * self.p.context_weight for t in content_terms(context)}
        weights.update({t: self.stats.idf(t) for t in content_terms(focus)})
        total = sum(weights.values()) or 1.0
        queries = [focus] + ([question] if context else [])
        vecs = self.embedder.embed(queries + [s for _, s in spans])
        sims = vecs[len(queries):] @ vecs[: len(queries)].T
        dense = sims[:, 0] if not context else (1 - self.p.context_weight) * sims[:, 0] + self.p.context_weight * sims[:, 1]
        out = []
        for (p, sent), d in zip(spans, dense):
            terms = set(content_terms(sent)) | set(content_terms(p.heading))
            overlap = sum(w for t, w in weights.items() if t in terms) / total
            score = self.p.dense_weight * float(d) + (1 - self.p.dense_weight) * overlap
            out.append(Candidate(p, sent, score, float(d), overlap))
        return sorted(out, key=lambda c: c.score, reverse=True)

    def _follows(self, first: Candidate, other: Candidate) -> bool:
        """Is `other` the sentence right after `first` in its passage, opening with a reference?"""
        if other.passage.number != first.passage.number:
            return False
        end = first.passage.text.find(first.text) + len(first.text)
        rest = first.passage.text[end:].lstrip()
        return rest.startswith(other.text) and opens_with_reference(other.text)

    def draft(self, question: str, passages: list[Passage]) -> Draft:
        p = self.p
        focus, _ = split_context(question)
        info = analyse(focus)
        ranked = self.candidates(question, passages)
        verdict = self.judge.judge(info, ranked, self.stats, passages)
        common = lambda w: self.stats.share(w) > p.common_share  # noqa: E731
        if not ranked or not verdict.answerable:
            return refusal(focus, verdict.reason or "no passage answers this")
        best = ranked[0]
        pool = [c for c in ranked if c.score >= p.near_best * best.score]
        typed = info.answer_type != "other"
        if typed:  # prefer sentences holding the asked-for kind of thing; the judge has said one is there
            pool = [c for c in pool if has_type(c.text, info.answer_type, info, common)] or pool
            if info.answer_type in ("person", "place"):  # a name next to the question's words first
                pool.sort(key=lambda c: not anchored(c.text, info, common))
                if anchored(pool[0].text, info, common):  # one anchored name answers it: no padding
                    pool = [c for c in pool if anchored(c.text, info, common)]
        chosen = [pool[0]]
        for c in ranked:
            if len(chosen) >= p.max_sentences:
                break
            if c.text in {x.text for x in chosen}:
                continue
            if (c in pool and c.score >= p.second * chosen[0].score) or (not typed and
                    c.score >= p.follow_on * chosen[0].score and self._follows(chosen[0], c)):
                chosen.append(c)
        # Keep document order within a passage, best passage first.
        first = chosen[0].passage.number
        chosen.sort(key=lambda c: (c.passage.number != first, c.passage.number, c.passage.text.find(c.text)))
        return Draft(" ".join(f"{c.text} [{c.passage.number}]" for c in chosen))
