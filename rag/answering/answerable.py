"""Do these passages answer this question? The offline answerer's judge, behind one seam.

The offline answerer ranks every sentence of the retrieved passages against the
question (rag.answering.extractive); a judge looks at that ranking and at the
question and decides whether to answer or refuse. RulesJudge, the default,
applies hand-set rules (rules_verdict). Any object with the same `judge` method
returning a Judgment can take its place; the evaluation measures a learned one
beside it (eval/judges/answerable.py, `rag eval --suite all`), which so far has
not beaten the rules on new documents and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.question import TYPE_REASON, QuestionInfo, has_type
from rag.lexicon import DISTINCT_KINDS


def rules_verdict(info: QuestionInfo, ranked: list, stats, min_score: float = 0.38, min_dense: float = 0.25,
                  near_best: float = 0.85, near_typed: float = 0.7) -> tuple[bool, str]:
    """The hand-set refusal rules (thresholds set on the article's dev split): (answer?, reason).

    Refuses when the question names something (CorpusStats.mentions: acronyms count) that the
    documents never mention; when no sentence is close enough; when the asked-for kind of thing is
    missing from the closest sentences. (A question's figures, codes and versions are checked
    before, against the passages: rag.answering.coverage.)"""
    unknown = [n for n in info.names if not stats.mentions(n)]
    if unknown:
        return False, f"they never mention {', '.join(unknown)}"
    if not ranked or ranked[0].score < min_score or ranked[0].dense < min_dense:
        return False, "no passage is about this"
    if info.answer_type != "other":
        # a name the documents mention nearly everywhere still answers "where" ("Paris" in a
        # story set in Paris; every name of a single passage)
        near = near_typed if info.answer_type in DISTINCT_KINDS else near_best
        pool = [c for c in ranked if c.score >= near * ranked[0].score]
        if not any(has_type(c.text, info.answer_type, info) for c in pool):
            return False, f"the closest passages give {TYPE_REASON[info.answer_type]}"
    return True, ""


@dataclass(frozen=True)
class Judgment:
    probability: float
    answerable: bool
    reason: str  # why not, in words, when not answerable
    features: dict


class RulesJudge:
    """Answer or refuse by the fixed thresholds of rules_verdict (the default judge)."""

    name = "rules"

    def judge(self, info: QuestionInfo, ranked: list, stats, passages: list) -> Judgment:
        ok, reason = rules_verdict(info, ranked, stats)
        return Judgment(float(ok), ok, reason, {})


def default_judge():
    return RulesJudge()
