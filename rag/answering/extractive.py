"""The offline answerer: answers with verbatim sentences of the retrieved passages.

No LLM runs here, so nothing is generated: each candidate sentence of the
passages is scored against the question (embedding cosine + IDF-weighted word
overlap), and the best one or two are returned, each followed by its `[n]`.
Whether to answer at all is the answerability judge's call (rag.answering.answerable):
it weighs how close the best sentence is, names the documents never mention, and
whether the asked-for kind of thing (a number, date, person or place) is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer import Draft, Passage, refusal
from rag.answering.answerable import default_judge
from rag.answering.coverage import covering, evidence, unnamed
from rag.answering.followup import split_context
from rag.question import analyse, anchored, has_type
from rag.index.corpus import CorpusStats
from rag.lexicon import DISTINCT_KINDS
from rag.ingestion.embedding import Embedder
from rag.text import content_terms, opens_with_reference, sentence_spans


@dataclass(frozen=True)
class Params:
    """Scoring weights and refusal thresholds, set on the golden set's dev split only
    (python -m eval.training.tune prints the grid it searched)."""

    dense_weight: float = 0.6  # score = dense_weight * cosine + (1 - dense_weight) * overlap
    near_best: float = 0.85  # candidates within this ratio of the best may serve the answer type
    near_typed: float = 0.7  # ... or this, for a kind that stands out (lexicon.DISTINCT_KINDS: a time, a price ...)
    second: float = 0.90  # a second sentence joins when it scores this close to the first
    follow_on: float = 0.75  # ... or when it continues the first ("This partnership ...") this close
    context_weight: float = 0.5  # weight of words carried over from earlier turns
    max_sentences: int = 2
    common_share: float = 0.5  # names in more than this share of chunks are the topic, not an answer


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    text: str
    score: float
    dense: float
    overlap: float


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
        before = {}  # a sentence that goes on from the one before it ("It cost ...") is read with it,
        for p in passages:  # and a Markdown table's row with the table's header row
            said = [p.text[s:e] for s, e in sentence_spans(p.text)]
            before.update(((p.number, b), a) for a, b in zip(said, said[1:]) if opens_with_reference(b))
            header = None
            for a, b in zip([""] + said, said):
                header = (header if a.startswith("|") else b) if b.startswith("|") else None
                if header is not None and b != header:
                    before[(p.number, b)] = header
        out = []
        for (p, sent), d in zip(spans, dense):
            terms = set(content_terms(sent)) | set(content_terms(p.context))
            terms |= set(content_terms(before.get((p.number, sent), "")))
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
        if ranked:
            # only passages from documents that give the question's own room, code or version and
            # name what it names: a neighbouring room, or another company's price, is no answer
            read, lacking = covering(focus, passages)
            known = tuple(n for n in info.names if self.stats.mentions(n))  # (the judge refuses unknown ones)
            gaps = {p.number: unnamed(known, evidence(p)) for p in read} if known else {}
            if lacking or (known and all(gaps.values())):
                return refusal(focus, f"no passage gives {', '.join(lacking or min(gaps.values(), key=len))}")
            kept = {p.number for p in read if not gaps.get(p.number)}
            ranked = [c for c in ranked if c.passage.number in kept]
        verdict = self.judge.judge(info, ranked, self.stats, passages)
        common = lambda w: self.stats.share(w) > p.common_share  # noqa: E731
        if not ranked or not verdict.answerable:
            return refusal(focus, verdict.reason or "no passage answers this")
        best = ranked[0]
        near = p.near_typed if info.answer_type in DISTINCT_KINDS else p.near_best
        pool = [c for c in ranked if c.score >= near * best.score]
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
        # records (table rows, "name - role" lines) stay one to a line, as the guard reads them
        joiner = "\n" if any(c.text.rstrip()[-1:] not in ".!?\"”)" for c in chosen) else " "
        body = joiner.join(f"{c.text} [{c.passage.number}]" for c in chosen)
        lead = chosen[0]
        if typed and not any(has_type(c.text, info.answer_type, info, common) for c in chosen) and \
                has_type(lead.passage.heading, info.answer_type, info, common):
            # the asked-for version, date or code heads the section ("3.1.4 (12 May 2024)"): say it
            return Draft(f"{lead.passage.heading}: {body}")
        return Draft(body)
