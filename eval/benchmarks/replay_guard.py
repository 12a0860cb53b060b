"""The LLM path's guard, replayed: what would another support checker have kept of the same drafts?

    python -m eval.benchmarks.replay_guard eval/results/bench_llm_test.json [--model NAME=FILE ...]

A generated answer takes seconds to minutes on a CPU, so comparing two checkers by
regenerating every answer twice is slow, and a model's drafts vary with the load on
the machine. eval.benchmarks.bench_llm records each raw draft; here each draft is streamed again
through the same pipeline (rag.answering.engine: retrieval, the guard on every sentence, the
extractive fallback) once per checker, in one process, and scored as bench_llm scores
it (key facts, negative rejection, false refusal, sentences kept and removed, fallbacks).
Without --model, the shipped checker (rag/guard/models/support.json) is replayed. With the
bench's split: tune on a dev run's drafts, report a test run's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from rag.guard.rules import GuardRules

from .bench_llm import ask_ours, corpus, summarize

KEYS = ("key_fact_accuracy", "negative_rejection", "false_refusal", "sentences_generated", "sentences_kept",
        "sentences_removed", "fallbacks_quoting", "fallbacks_refusing")


class Replay:
    """An LLM answerer that streams the recorded draft of the question asked."""

    name = "llm"

    def __init__(self, drafts: dict[str, str]) -> None:
        self.drafts = drafts

    def stream(self, question, passages):
        draft = self.drafts[question]
        for i in range(0, len(draft), 7):  # in small deltas, as a server streams
            yield draft[i:i + 7]


def replay(results: dict, models: dict[str, dict | None], rules: dict[str, GuardRules] | None = None) -> dict:
    """Each checker artefact in `models` (None: the shipped one) with the default rules, or the shipped
    checker with each set of guard rules in `rules`: figures per name, and every replayed answer."""
    from rag.answering.engine import Engine
    from rag.guard.support import SupportScorer
    from rag.settings import Settings

    variants = {name: (model, GuardRules()) for name, model in models.items()}
    variants |= {name: (None, r) for name, r in (rules or {}).items()}
    config = results["config"]
    rows = [r for r in results["items"] if r["ours"].get("draft") is not None]
    drafts = {r["question"]: r["ours"]["draft"] for r in rows}
    out = {"source": config, "replayed": len(rows), "skipped (no draft recorded)": len(results["items"]) - len(rows)}
    with tempfile.TemporaryDirectory(prefix="rag-replay-") as tmp:
        questions, documents, _ = corpus(config.get("suite", "article"), config["split"], Path(tmp) / "docs",
                                      Settings.from_env().seeds_dir)
        items = {i.id: i for i in questions}
        settings = Settings.from_env().with_(data_dir=Path(tmp) / "index", seeds_dir=documents, answerer="llm",
                                             llm_base_url="http://127.0.0.1:9/v1")
        engine = Engine(settings, llm=Replay(drafts))
        for name, (model, guard_rules) in variants.items():
            engine.scorer = SupportScorer(engine.embedder, model=model, rules=guard_rules)
            replayed = [{"id": r["id"], "answerable": r["answerable"], "ours": ask_ours(engine, items[r["id"]])}
                        for r in rows]
            out[name] = {k: summarize(replayed, "ours")[k] for k in KEYS}
            out[name]["items"] = {r["id"]: {"answer": r["ours"]["answer"], "unsupported": r["ours"]["unsupported"]}
                                  for r in replayed}
            print(f"{name:>16}: " + ", ".join(f"{k} {out[name][k]:.3f}" if isinstance(out[name][k], float)
                                              else f"{k} {out[name][k]}" for k in KEYS), file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.benchmarks.replay_guard", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", type=Path, help="a results file written by python -m eval.benchmarks.bench_llm")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=FILE",
                    help="a support checker artefact to replay (repeatable); default: the shipped one")
    ap.add_argument("--out", type=Path, help="write the figures and every replayed answer here (JSON)")
    args = ap.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    models: dict[str, dict | None] = {}
    for spec in args.model or ["shipped=-"]:
        name, _, path = spec.partition("=")
        models[name] = None if path in ("", "-") else json.loads(Path(path).read_text(encoding="utf-8"))
    out = replay(results, models)
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
