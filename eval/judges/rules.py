"""The hand-set rules the learned judgments replaced, kept as the baseline they are measured against.

RuleScorer: support = 0.3 * lexical overlap + 0.7 * best sentence cosine >= 0.6, and
never when the sentence brings a number or name the passages lack, or negates on
one side only. RulesJudge: refuse when the question names something the documents
never mention, when the best sentence scores under 0.38 (cosine under 0.25), or
when a number / date / person / place is asked for and no close sentence has one.
`rag eval --suite ...` runs these side by side with the learned ones in one run
(variants, ask_with: the same questions answered with each pair of judgments).
RulesJudge is the product's default judge (rag.answering.answerable), named here
beside the rule scorer.
"""

from __future__ import annotations

import numpy as np

from rag.answering.answerable import RulesJudge
from rag.guard.rules import GuardRules
from rag.guard.support import NEGATION, Support, specifics
from rag.lexicon import NEGATION_RE
from rag.text import content_terms, sentences, words

from .answerable import AnswerabilityJudge

__all__ = ["RuleScorer", "RulesJudge", "ask_with", "variants"]


class RuleScorer:
    name = "rules"


    def __init__(self, embedder, lex_weight: float = 0.3, threshold: float = 0.6) -> None:
        self.embedder, self.lex_weight, self.threshold = embedder, lex_weight, threshold
        self.rules = GuardRules()  # the guard's other rule families run as with the product's checker

    def score(self, sentence: str, passages: list[str], question: str | None = None,
              context: list[str] | None = None) -> Support:  # the old rules read neither question nor context
        terms = set(content_terms(sentence))
        evidence = " ".join(passages)
        lexical = len(terms & set(content_terms(evidence))) / len(terms) if terms else 0.0
        ev_sents = [s for p in passages for s in sentences(p)] or passages
        vecs = self.embedder.embed([sentence, *ev_sents])
        sims = vecs[1:] @ vecs[0]
        ev_words = set(words(evidence))
        prefixes = {w[:4] for w in ev_words}
        numbers, names = specifics(sentence)
        novel = [n for n in numbers if n not in ev_words] + [n for n in names if n not in ev_words and n[:4] not in prefixes]
        if bool(NEGATION_RE.search(sentence)) != bool(NEGATION_RE.search(ev_sents[int(np.argmax(sims))])):
            novel.append(NEGATION)
        score = self.lex_weight * lexical + (1 - self.lex_weight) * float(np.clip(sims.max(), 0, 1))
        ok = score >= self.threshold and not novel
        return Support(score if ok else min(score, self.threshold - 1e-6), {}, tuple(novel), False, self.threshold)

    def supports(self, sentence: str, passages: list[str], question: str | None = None,
                 context: list[str] | None = None) -> bool:
        return self.score(sentence, passages, question).supported()


def variants(engine) -> dict[str, tuple]:
    """(answerability judge, support scorer) pairs to answer the same questions with, side by side:
    what runs by default, the learned answerability judge, and the hand-set rules for both."""
    return {"default": (engine.judge, engine.scorer), "learned": (AnswerabilityJudge(), engine.scorer),
            "rules": (RulesJudge(), RuleScorer(engine.embedder))}


def ask_with(engine, items, judge, scorer) -> list[tuple]:
    """(item, Answer) for each item, answered with these judgments; the engine's own are put back."""
    own = (engine.judge, engine.scorer)
    engine.judge, engine.scorer = judge, scorer
    try:
        return [(item, engine.ask(item.question)) for item in items]
    finally:
        engine.judge, engine.scorer = own
