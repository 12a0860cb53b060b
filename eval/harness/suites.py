"""The public-benchmark suites of `rag eval --suite`: the learned judgments beside the old rules.

  halueval: the guard (rag.check) on HaluEval QA and summarization pairs: right answers
            should be accepted, hallucinated ones rejected (balanced accuracy). A
            length-only judge is shown too: QA's right answers are short phrases and its
            hallucinated ones sentences, so length alone scores high there; summaries,
            whose sides have similar lengths, show whether a judge learned more, and so do
            the rows whose two sides differ by at most one word ("same length").
  fitzgov:  rag.answer_from on fitz-gov tier 1: abstention cases should be refused,
            trustworthy_direct cases answered, and grounding cases' answers must hold
            none of their forbidden claims.
Each runs on a seeded random sample of the chosen split; both judges see the same cases.
"""

from __future__ import annotations

import re
import time

from .. import metrics
from .datasets import fitzgov, halueval


def guard_scores(pairs, scorer, same: list[bool] | None = None) -> dict:
    """The guard (rag.guard.check.check with this support scorer) on labelled Pairs: balanced
    accuracy, right claims accepted, hallucinated ones rejected, and the balanced accuracy on the
    rows whose two sides have about the same length. `same`: _same_length(pairs), when the caller
    has it already."""
    from rag.guard.check import check

    preds = [check(p.claim, list(p.passages), p.question, scorer=scorer).supported for p in pairs]
    labels = [p.supported for p in pairs]
    right = [pr for pr, l in zip(preds, labels) if l]
    wrong = [pr for pr, l in zip(preds, labels) if not l]
    same = _same_length(pairs) if same is None else same
    return {"balanced_accuracy": metrics.balanced_accuracy(labels, preds),
            "accepted_right": metrics.mean(right), "rejected_hallucinated": metrics.mean(not p for p in wrong),
            "same_length_balanced_accuracy": metrics.balanced_accuracy(
                [l for l, m in zip(labels, same) if m], [pr for pr, m in zip(preds, same) if m]) if any(same) else None}


def _same_length(pairs) -> list[bool]:
    """Per pair: do its row's right and hallucinated sides differ by at most one word? On those
    rows length tells nothing, so a judge that learned length scores about 0.5 there."""
    counts: dict[str, list[int]] = {}
    for p in pairs:
        counts.setdefault(p.id.rsplit("-", 1)[0], []).append(len(p.claim.split()))
    return [max(c) - min(c) <= 1 for c in (counts[p.id.rsplit("-", 1)[0]] for p in pairs)]


def _length_only(pairs) -> float:
    """Best balanced accuracy of "short means right" over every word-count cut (an upper bound)."""
    labels = [p.supported for p in pairs]
    lengths = [len(p.claim.split()) for p in pairs]
    return max(metrics.balanced_accuracy(labels, [n <= cut for n in lengths]) for cut in sorted(set(lengths)))


def halueval_suite(split: str, n: int, scorers: dict, seed: int = 1) -> dict:
    out = {"split": split, "rows_per_task": n}
    for task in ("qa", "summarization"):
        pairs = halueval(task, split, n, seed)
        t0 = time.perf_counter()
        same_length = _same_length(pairs)
        out[task] = {name: guard_scores(pairs, s, same_length) for name, s in scorers.items()}
        out[task]["length_only_best"] = _length_only(pairs)
        same = [p for p, m in zip(pairs, same_length) if m]
        out[task]["same_length_rows"] = len(same) // 2
        out[task]["same_length_length_only_best"] = _length_only(same) if same else None
        out[task]["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _forbidden(text: str, patterns) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def fitzgov_suite(split: str, n: int, judges: dict, embedder, scorer, seed: int = 1) -> dict:
    from rag.answering.given import answer_from

    out = {"split": split, "cases_per_category": n}
    cases = {c: fitzgov(c, split, n, seed) for c in ("abstention", "trustworthy_direct", "grounding")}
    for name, judge in judges.items():
        res = {}
        for category, items in cases.items():
            answers = [answer_from(c.query, list(c.contexts), answerer="extractive", judge=judge,
                                   scorer=scorer, embedder=embedder) for c in items]
            refused = [a.refused for a in answers]
            if category == "abstention":
                res["abstention_refused"] = metrics.mean(refused)
            elif category == "trustworthy_direct":
                res["direct_answered"] = metrics.mean(not r for r in refused)
            else:
                res["grounding_forbidden_claims"] = sum(_forbidden(a.text, c.forbidden) for a, c in zip(answers, items))
                res["grounding_answered"] = metrics.mean(not r for r in refused)
        out[name] = res
    return out
