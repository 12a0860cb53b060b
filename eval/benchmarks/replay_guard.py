"""The LLM path's guard, replayed: what would another support checker have kept of the same drafts?

    python -m eval.benchmarks.replay_guard eval/results/bench_llm_test.json [--model NAME=FILE ...]
    python -m eval.benchmarks.replay_guard eval/results/bench_llm_test.json --serve qwen1.5b

A generated answer takes seconds to minutes on a CPU, so comparing two checkers by
regenerating every answer twice is slow, and a model's drafts vary with the load on
the machine. eval.benchmarks.bench_llm records each raw draft; here each draft is streamed again
through the same pipeline (rag.answering.engine: retrieval, the guard on every sentence, the
extractive fallback) once per checker, in one process, and scored as bench_llm scores
it (key facts, negative rejection, false refusal, sentences kept and removed, fallbacks).
Without --model, the shipped checker (rag/guard/models/support.json) is replayed. With the
bench's split: tune on a dev run's drafts, report a test run's.

With a model (--serve NAME, or --base-url and --model-name), the shipped checker is replayed
twice on the same drafts: alone, and with the model's second opinion on each sentence
(rag.guard.verify), so the opinion's effect and its cost in time are measured on answers that
do not change between the two. No draft is generated again: only the one-token opinions are.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from rag.guard.rules import GuardRules

from .. import metrics
from .bench_llm import ask_ours, corpus, serving, summarize

KEYS = ("key_fact_accuracy", "negative_rejection", "false_refusal", "sentences_generated", "sentences_kept",
        "sentences_removed", "fallbacks_quoting", "fallbacks_refusing")


class Replay:
    """An LLM answerer that streams the recorded draft of the question asked."""

    name = "llm"

    def __init__(self, drafts: dict[str, str]) -> None:
        self.drafts = drafts
        self.use_opinion(None)

    def use_opinion(self, opinion) -> None:
        """Replay with this second opinion (a model's LLMAnswerer.opinion), or none."""
        self.second_opinion = opinion is not None  # the engine asks `opinion` when True
        self.opinion = opinion

    def stream(self, question, passages):
        draft = self.drafts[question]
        for i in range(0, len(draft), 7):  # in small deltas, as a server streams
            yield draft[i:i + 7]


def replay(results: dict, models: dict[str, dict | None], rules: dict[str, GuardRules] | None = None,
           opinion=None) -> dict:
    """Each checker artefact in `models` (None: the shipped one) with the default rules, or the shipped
    checker with each set of guard rules in `rules`: figures per name, and every replayed answer.
    With `opinion` (a model's, rag.llm.client.LLMAnswerer.opinion), the shipped checker with it too."""
    from rag.answering.engine import Engine
    from rag.guard.support import SupportScorer
    from rag.settings import Settings

    variants = {name: (model, GuardRules(), None) for name, model in models.items()}
    variants |= {name: (None, r, None) for name, r in (rules or {}).items()}
    if opinion is not None:
        variants["shipped + opinion"] = (None, GuardRules(), opinion)
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
        answerer = Replay(drafts)
        engine = Engine(settings, llm=answerer)
        for name, (model, guard_rules, second) in variants.items():
            answerer.use_opinion(second)
            engine.scorer = SupportScorer(engine.embedder, model=model, rules=guard_rules)
            replayed = [{"id": r["id"], "answerable": r["answerable"], "ours": ask_ours(engine, items[r["id"]])}
                        for r in rows]
            out[name] = {k: summarize(replayed, "ours")[k] for k in KEYS}
            out[name]["verify_ms"] = {q: metrics.percentile([r["ours"]["verify_ms"] for r in replayed], q / 100)
                                      for q in (50, 95)}
            out[name]["items"] = {r["id"]: {"answer": r["ours"]["answer"], "unsupported": r["ours"]["unsupported"]}
                                  for r in replayed}
            print(f"{name:>16}: " + ", ".join(f"{k} {out[name][k]:.3f}" if isinstance(out[name][k], float)
                                              else f"{k} {out[name][k]}" for k in KEYS)
                  + f", verify p50 {out[name]['verify_ms'][50]:.0f} ms", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.benchmarks.replay_guard", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", type=Path, help="a results file written by python -m eval.benchmarks.bench_llm")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=FILE",
                    help="a support checker artefact to replay (repeatable); default: the shipped one")
    ap.add_argument("--out", type=Path, help="write the figures and every replayed answer here (JSON)")
    ap.add_argument("--serve", metavar="NAME", help="start a local llama.cpp server with this model (or PATH.gguf) "
                    "and replay the shipped checker with its second opinion too")
    ap.add_argument("--base-url", help="an OpenAI-compatible server whose model gives the second opinion")
    ap.add_argument("--model-name", help="with --base-url: the model to ask")
    args = ap.parse_args(argv)
    if args.base_url and not args.model_name:
        ap.error("--base-url needs --model-name")
    results = json.loads(args.results.read_text(encoding="utf-8"))
    models: dict[str, dict | None] = {}
    for spec in args.model or ["shipped=-"]:
        name, _, path = spec.partition("=")
        models[name] = None if path in ("", "-") else json.loads(Path(path).read_text(encoding="utf-8"))
    with ExitStack() as stack:
        base_url, name = args.base_url, args.model_name
        if args.serve:
            base_url, name = stack.enter_context(serving(args.serve))
        opinion = None
        if base_url:
            from rag.llm.client import LLMAnswerer
            from rag.settings import Settings

            opinion = LLMAnswerer(Settings.from_env().with_(llm_base_url=base_url, llm_model=name, llm_timeout=600)).opinion
        out = replay(results, models, opinion=opinion)
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
