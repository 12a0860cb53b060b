"""Does each rule family of the guard earn its place? Each one switched off in turn, in one process.

    python -m eval.training.ablate_rules [--sample 200] [--out eval/results/ablate_rules.json]

The families are the fields of rag.guard.rules.GuardRules. Each is measured with everything else
on, beside all on, on dev and on held-out data:
- the LLM path: the recorded drafts of eval/results/bench_llm_*.json (the article's and the other
  documents' dev and test questions) replayed through the guard (eval.benchmarks.replay_guard);
- the offline path: the article's and the other documents' golden questions, extractive answers;
- the checker's own judgment (rag.check) on HaluEval QA and summarization rows, dev and test.
A family pays when switching it off makes a held-out (test) figure worse; decide on dev, read test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rag.guard.rules import GuardRules

from ..benchmarks.replay_guard import replay
from ..harness import golden
from ..judges.support import SupportJudge
from ..harness.datasets import halueval
from ..harness.golden import EVAL_DIR
from ..harness.multidoc import DOCS_GOLDEN, write_corpus
from ..harness.suites import guard_scores
from ..metrics import summarize

RECORDED = ["bench_llm_dev", "bench_llm_test", "bench_llm_docs_dev", "bench_llm_docs_test"]
REPLAY_KEYS = ("key_fact_accuracy", "negative_rejection", "false_refusal", "sentences_kept")


def variants() -> dict[str, GuardRules]:
    return {"all on": GuardRules(), **{f"without {n}": GuardRules().without(n) for n in GuardRules.names()}}


def offline(engine, items, sources, rules: dict[str, GuardRules]) -> dict:
    from rag.guard.support import SupportScorer

    out = {}
    for name, r in rules.items():
        engine.scorer = SupportScorer(engine.embedder, rules=r)
        s = summarize([(i, engine.ask(i.question)) for i in items], sources, SupportJudge(engine.embedder))
        out[name] = {"key_fact_accuracy": s["answers"]["key_fact_accuracy"],
                     "negative_rejection": s["refusal"]["negative_rejection"],
                     "false_refusal": s["refusal"]["false_refusal"]}
    return out


def offline_suites(rules: dict[str, GuardRules]) -> dict:
    from rag.answering.engine import Engine
    from rag.settings import Settings

    out = {}
    with tempfile.TemporaryDirectory(prefix="rag-ablate-") as tmp:
        settings = Settings.from_env()
        article = {p.name: p.read_text(encoding="utf-8") for p in sorted(settings.seeds_dir.glob("*.txt"))}
        docs = write_corpus(Path(tmp) / "docs", settings.seeds_dir)
        for suite, sources, folder, golden_file in [("article", article, settings.seeds_dir, None),
                                                    ("docs", docs, Path(tmp) / "docs", DOCS_GOLDEN)]:
            engine = Engine(settings.with_(data_dir=Path(tmp) / f"index-{suite}", seeds_dir=folder,
                                           answerer="extractive"))
            for split in ("dev", "test"):
                items = golden.questions(split, golden_file) if golden_file else golden.questions(split)
                out[f"offline {suite} {split}"] = offline(engine, items, sources, rules)
                print(f"offline {suite} {split} done", file=sys.stderr, flush=True)
    return out


def checker_suites(rules: dict[str, GuardRules], sample: int) -> dict:
    from rag.guard.support import SupportScorer
    from rag.ingestion.embedding import make_embedder
    from rag.settings import Settings

    embedder = make_embedder(Settings.from_env())
    out = {}
    for task in ("qa", "summarization"):
        for split in ("dev", "test"):
            pairs = halueval(task, split, sample, seed=1)
            out[f"halueval {task} {split}"] = {
                name: {"balanced_accuracy": guard_scores(pairs, SupportScorer(embedder, rules=r))["balanced_accuracy"]}
                for name, r in rules.items()}
            print(f"halueval {task} {split} done", file=sys.stderr, flush=True)
    return out


def replays(rules: dict[str, GuardRules]) -> dict:
    out = {}
    for name in RECORDED:
        results = json.loads((EVAL_DIR / "results" / f"{name}.json").read_text(encoding="utf-8"))
        figures = replay(results, {}, rules)
        out[f"llm {name.removeprefix('bench_llm_')}"] = {v: {k: figures[v][k] for k in REPLAY_KEYS} for v in rules}
    return out


def print_table(results: dict, out=sys.stdout) -> None:
    names = list(variants())
    for suite, by_variant in results.items():
        print(f"\n{suite}", file=out)
        keys = list(next(iter(by_variant.values())))
        print(f"  {'':30}" + "".join(f"{k[:18]:>20}" for k in keys), file=out)
        for v in names:
            row = by_variant[v]
            print(f"  {v:30}" + "".join(f"{row[k]:>20.3f}" if isinstance(row[k], float) else f"{row[k]:>20}"
                                        for k in keys), file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.training.ablate_rules", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=200, help="HaluEval rows per task and split")
    ap.add_argument("--out", type=Path, default=EVAL_DIR / "results" / "ablate_rules.json")
    args = ap.parse_args(argv)
    rules = variants()
    results = {**replays(rules), **offline_suites(rules), **checker_suites(rules, args.sample)}
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
