"""Tune the offline answerer's sentence-selection settings on the dev split only.

    python -m eval.training.tune   # prints the best settings found on dev, and how they fare on test

The chosen values are copied by hand into rag/answering/extractive.py (Params); the
test split is only reported, never used to choose. Whether a sentence is supported
is learned instead (eval/training/train_support.py), and so is the answerability
judge measured beside the rules (eval/training/train_answerable.py).
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import replace
from pathlib import Path

from .. import metrics
from ..harness import golden

GRID = {
    "near_best": [0.75, 0.85, 0.95],
    "second": [0.85, 0.90, 0.95, 1.01],
    "context_weight": [0.2, 0.3, 0.5],
}


def _prepare(engine, split: str):
    """Retrieval and follow-up condensing do not depend on the tuned values: do them once."""
    from rag.answering.followup import condense_offline

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
    from rag.answering.extractive import ExtractiveAnswerer, Params

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


def main() -> None:
    from rag.answering.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env().with_(data_dir=Path(tmp), answerer="extractive"))
        tune_answerer(engine)


if __name__ == "__main__":
    main()
