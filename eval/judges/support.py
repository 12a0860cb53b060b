"""The evaluation's own support checker: the yardstick of citation recall and precision
(eval/metrics.py), kept apart from the guard's scorer (rag.guard.support) so that a change to
the guard never moves the measure of it.

It is deliberately simple and fixed: a sentence is supported by passages when every number it
states is in them (digits compared without their separators: 4,500 = 4500) and either most of
its content words are there (compared by stem) or one passage sentence says nearly the same
thing (MiniLM cosine, the model the project ships). Its two cut-offs were set once on the
labelled pairs of the dev halves (the article's support labels and HaluEval QA and
summarization) by `python -m eval.judges.support`, which prints its balanced accuracy on dev
and test beside the guard's scorer's: 0.755 / 0.800 against 0.687 / 0.713 (667 dev and 663 test
pairs; the guard's scorer alone, without the rest of the guard's checks).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import content_terms, sentences, stem

COVERAGE = 0.85  # share of the sentence's content stems found in the passages
COSINE = 0.9  # or: a passage sentence this close in meaning
NUMBER_RE = re.compile(r"\d[\d,.\s]*\d|\d")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[,.\s]", "", n) for n in NUMBER_RE.findall(text)}


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_terms(text)}


@lru_cache(maxsize=1)
def _embedder():
    from rag.ingestion.embedding import make_embedder
    from rag.settings import Settings

    return make_embedder(Settings.from_env())


class SupportJudge:
    """`.supports(sentence, passages) -> bool`, the interface eval/metrics.py scores citations with."""

    name = "eval"

    def __init__(self, embedder=None, coverage: float = COVERAGE, cosine: float = COSINE) -> None:
        self._given, self.coverage, self.cosine = embedder, coverage, cosine

    @property
    def embedder(self):
        return self._given if self._given is not None else _embedder()

    def features(self, sentence: str, passages: list[str]) -> tuple[bool, float, float]:
        """(numbers all found, content-stem coverage, best cosine to a passage sentence)."""
        evidence = " ".join(passages)
        numbers_ok = _numbers(sentence) <= _numbers(evidence)
        terms = _stems(sentence)
        coverage = len(terms & _stems(evidence)) / len(terms) if terms else 1.0
        ev_sents = [s for p in passages for s in sentences(p)] or passages
        vecs = self.embedder.embed([sentence, *ev_sents])
        cosine = float((vecs[1:] @ vecs[0]).max()) if len(ev_sents) else 0.0
        return numbers_ok, coverage, cosine

    def supports(self, sentence: str, passages: list[str], question: str | None = None) -> bool:
        if not passages:
            return False
        numbers_ok, coverage, cosine = self.features(sentence, passages)
        return numbers_ok and (coverage >= self.coverage or cosine >= self.cosine)


def _pairs(split: str) -> list[tuple[str, list[str], bool]]:
    from eval.harness.datasets import halueval
    from eval.harness.golden import labelled_pairs

    out = [(p.claim, list(p.passages), p.supported) for p in labelled_pairs(split)]
    for task in ("qa", "summarization"):
        out += [(p.claim, list(p.passages), p.supported) for p in halueval(task, split, 150, seed=7)]
    return out


def main() -> None:
    """Set the cut-offs on the dev pairs; print balanced accuracy on dev and test, the guard's beside."""
    import itertools

    from eval.metrics import balanced_accuracy
    from rag.guard.support import SupportScorer

    judge = SupportJudge()
    dev = _pairs("dev")
    feats = [(judge.features(s, p), ok) for s, p, ok in dev]
    grid = [x / 20 for x in range(8, 20)]
    best = max(itertools.product(grid, grid), key=lambda cc: balanced_accuracy(
        [ok for _, ok in feats], [f[0] and (f[1] >= cc[0] or f[2] >= cc[1]) for f, _ in feats]))
    print(f"cut-offs set on {len(dev)} dev pairs: coverage {best[0]}, cosine {best[1]}")
    judge.coverage, judge.cosine = best
    guard = SupportScorer(judge.embedder)
    for split in ("dev", "test"):
        pairs = dev if split == "dev" else _pairs("test")
        labels = [ok for *_, ok in pairs]
        ours = balanced_accuracy(labels, [judge.supports(s, p) for s, p, _ in pairs])
        theirs = balanced_accuracy(labels, [guard.supports(s, p) for s, p, _ in pairs])
        print(f"{split}: {len(pairs)} pairs, balanced accuracy {ours:.3f} (the guard's scorer {theirs:.3f})")


if __name__ == "__main__":
    main()
