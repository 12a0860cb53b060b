"""The learned answerability judge: do these passages answer this question? Measured beside the rules.

The product answers or refuses by hand-set rules (rag.answering.answerable.RulesJudge).
This judge makes the same decision with a logistic regression over what the rules
look at (how close the best sentence of the offline answerer's ranking is, how much
of the question the passages cover, names and rare words of the question they lack,
whether the asked-for kind of thing, a number, date, person or place, is there);
its weights and threshold are learned by `python -m eval.training.train_answerable`
on the dev halves of fitz-gov, HaluEval QA and our golden set, and stored beside this
module in answerable.json. The harness (`rag eval --suite all`) runs it side by side
with the rules: on the last run it generalised no better than the rules to new
documents and benchmarks and was worse on the article, so it is evaluated, not shipped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answering.answerable import Judgment, rules_verdict
from rag.question import QuestionInfo, has_type
from rag.guard import learned
from rag.text import STOPWORDS, content_terms, stem, words

MODEL = Path(__file__).with_name("answerable.json")
FEATURES = ("best_score", "best_dense", "best_overlap", "coverage", "unknown_names",
            "rare_missing", "rare_missing_top", "typed", "type_found")
# the direction each feature may push the judgment (eval.training.learn.fit_logistic keeps to it); "typed" is an
# offset either way: a typed question needs its type found
SIGNS = {"best_score": 1, "best_dense": 1, "best_overlap": 1, "coverage": 1, "unknown_names": -1,
         "rare_missing": -1, "rare_missing_top": -1, "type_found": 1}


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Whole words of the bundled MiniLM's WordPiece vocabulary, which was built from frequent
    English text: a question word outside it ("Zama", "c.6174delT") is rare, so it is likely the
    specific thing asked about, and passages that lack it likely do not answer."""
    from rag.ingestion.minilm import bundled_model_path

    lines = (bundled_model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in lines if w.isalpha())


def rare_terms(text: str) -> set[str]:
    """Question words outside the vocabulary: names, figures and codes ("zama", "202", "brca2"),
    not short letter-digit debris such as the "31m" left by a terminal colour code."""
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 1
            and (w.isdigit() or (w not in common_words() and (w.isalpha() or len(w) >= 5)))}


def _missing(rare: set[str], texts) -> float:
    if not rare:
        return 0.0
    present = {w for t in texts for w in words(t)}
    stems = {stem(w) for w in present}
    return sum(w not in present and stem(w) not in stems for w in rare) / len(rare)


def features(info: QuestionInfo, ranked: list, stats, passages: list) -> np.ndarray:
    """ranked: the answerer's candidates, best first (each with .text, .score, .dense, .overlap)."""
    best = ranked[0] if ranked else None
    q_terms = set(content_terms(info.text))
    in_passages = set()
    for p in passages:
        in_passages.update(content_terms(p.text))
        in_passages.update(content_terms(p.heading))
    weights = {t: stats.idf(t) for t in q_terms}
    total = sum(weights.values()) or 1.0
    coverage = sum(w for t, w in weights.items() if t in in_passages) / total if q_terms else 1.0
    unknown = sum(not stats.mentions(n) for n in info.names) / len(info.names) if info.names else 0.0
    typed = info.answer_type != "other"
    top = ranked[:3]
    rare = rare_terms(info.text)
    rare_missing = _missing(rare, [p.text + " " + p.heading for p in passages])
    rare_missing_top = _missing(rare, [c.text + " " + c.passage.heading for c in top])
    # a name counts even when the documents mention it nearly everywhere ("Beijing" in a Beijing story):
    # leaving such names out (the old rule) did not earn its place in the ablation
    type_found = any(has_type(c.text, info.answer_type, info) for c in top) if typed else True
    return np.array([best.score if best else 0.0, best.dense if best else 0.0, best.overlap if best else 0.0,
                     coverage, unknown, rare_missing, rare_missing_top,
                     float(typed), float(type_found)], dtype=np.float64)


class AnswerabilityJudge:
    """Answer when the learned probability reaches the threshold; a refusal is worded by the rules."""

    def __init__(self, model: dict | None = None, threshold: float | None = None) -> None:
        self.model = model or learned.load(MODEL, FEATURES)
        self.threshold = self.model["threshold"] if threshold is None else threshold

    def judge(self, info: QuestionInfo, ranked: list, stats, passages: list) -> Judgment:
        x = features(info, ranked, stats, passages)
        p = learned.probability(x, self.model)
        named = dict(zip(FEATURES, x.round(4).tolist()))
        reason = ""
        if p < self.threshold:  # the likeliest cause, in words, for the refusal message
            reason = rules_verdict(info, ranked, stats)[1] or "no passage answers this"
        return Judgment(p, p >= self.threshold, reason, named)
