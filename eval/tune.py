"""Tune the offline answerer's thresholds and calibrate the support scorer, on the dev split only.

    python -m eval.tune            # prints the best settings found on dev, and how they fare on test

The chosen values are copied by hand into rag/extractive.py (Params) and
rag/support.py (LEX_WEIGHT, THRESHOLD); the test split is only reported, never
used to choose.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import replace
from pathlib import Path

from . import golden, metrics

GRID = {
    "min_score": [0.34, 0.38, 0.42, 0.46, 0.50],
    "min_dense": [0.20, 0.25, 0.30, 0.35],
    "second": [0.85, 0.90, 0.95, 1.01],
    "context_weight": [0.2, 0.3, 0.5],
}


def _prepare(engine, split: str):
    """Retrieval and follow-up condensing do not depend on the tuned values: do them once."""
    from rag.followup import condense_offline

    cases = [(item, item.question) for item in golden.questions(split)]
    for conv in golden.conversations(split):
        history = []
        for turn in conv.turns:
            standalone = condense_offline(turn.question, history)
            cases.append((turn, standalone))
            history.append((standalone, engine.ask(standalone).text))
    return [(item, q, engine.retriever.retrieve(q)) for item, q in cases]


def objective(answerer, cases) -> tuple[float, dict]:
    facts, rejections, false_refusals = [], [], []
    for item, q, passages in cases:
        draft = answerer.draft(q, passages)
        if item.answerable:
            false_refusals.append(draft.refused)
            facts.append(0.0 if draft.refused else metrics.key_fact_score(item, draft.text))
        else:
            rejections.append(draft.refused)
    parts = {"key_facts": metrics.mean(facts), "negative_rejection": metrics.mean(rejections),
             "false_refusal": metrics.mean(false_refusals)}
    return parts["key_facts"] + parts["negative_rejection"] - parts["false_refusal"], parts


def tune_answerer(engine) -> None:
    from rag.extractive import ExtractiveAnswerer, Params

    dev, test = _prepare(engine, "dev"), _prepare(engine, "test")
    base = Params()
    results = []
    for values in itertools.product(*GRID.values()):
        params = replace(base, **dict(zip(GRID, values)))
        score, parts = objective(ExtractiveAnswerer(engine.embedder, engine.stats, params), dev)
        results.append((score, params, parts))
    results.sort(key=lambda r: r[0], reverse=True)
    current = objective(ExtractiveAnswerer(engine.embedder, engine.stats, base), dev)
    print(f"current defaults on dev: {current[0]:.3f} {current[1]}")
    print(f"current defaults on test: {objective(ExtractiveAnswerer(engine.embedder, engine.stats, base), test)}")
    for score, params, parts in results[:5]:
        chosen = {k: getattr(params, k) for k in GRID}
        print(f"dev {score:.3f} {parts} {chosen}")
    best = results[0][1]
    print(f"best on dev, scored on test: {objective(ExtractiveAnswerer(engine.embedder, engine.stats, best), test)}")


def calibrate_support(engine) -> None:
    from rag.support import SupportScorer

    dev = golden.support_labels("dev")
    test = golden.support_labels("test")
    best = None
    for lex in [0.3, 0.4, 0.5, 0.6, 0.7]:
        scorer = SupportScorer(engine.embedder, lex_weight=lex, threshold=0.0)
        scored = [(d["supported"], scorer.score(d["sentence"], [d["passage"]])) for d in dev]
        for threshold in [x / 100 for x in range(40, 91, 2)]:
            acc = metrics.balanced_accuracy([l for l, _ in scored], [s.supported(threshold) for _, s in scored])
            if best is None or acc > best[0]:
                best = (acc, lex, threshold)
    acc, lex, threshold = best
    scorer = SupportScorer(engine.embedder, lex_weight=lex, threshold=threshold)
    test_acc = metrics.balanced_accuracy([d["supported"] for d in test],
                                         [scorer.supports(d["sentence"], [d["passage"]]) for d in test])
    print(f"support scorer: best on dev lex_weight={lex} threshold={threshold} "
          f"balanced accuracy dev {acc:.3f}, test {test_acc:.3f}")


def main() -> None:
    from rag.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env().with_(data_dir=Path(tmp), answerer="extractive"))
        calibrate_support(engine)
        tune_answerer(engine)


if __name__ == "__main__":
    main()
