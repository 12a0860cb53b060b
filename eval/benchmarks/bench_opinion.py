"""The model's second opinion on labelled sentence/passage pairs, beside the lexical checker's.

    python -m eval.benchmarks.bench_opinion --serve qwen1.5b [--halueval-rows 150]

For every pair of the article's labelled pairs (eval/data/support_labels.jsonl, both splits) and
of `--halueval-rows` random HaluEval QA rows per split (both sides of each): the lexical
checker's verdict (rag.check), the model's P(yes) that the passage states the sentence, asked as
the guard asks it (rag.guard.verify.ask: values in normal form), and what the guard makes of the
two (rag.guard.verify: kept when the checker supports it and P(yes) >= OPINION_VETO, or when
P(yes) >= OPINION_KEEP). Balanced accuracy of each, per set and split, with a grid of cut-offs on
the dev splits (where the shipped ones were chosen) and the model's seconds per pair.
Writes eval/results/bench_opinion.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from .. import metrics
from ..harness.golden import DATA_DIR, EVAL_DIR

GRID_VETO = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
GRID_KEEP = (0.9, 0.95, 0.97, 0.99, 1.01)  # 1.01: never kept on the model's word alone


def pairs(halueval_rows: int) -> list[dict]:
    """(set, split, id, sentence, passage, question, supported) for every pair measured."""
    from ..harness.datasets import halueval

    out = []
    with open(DATA_DIR / "support_labels.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append({"set": "labelled", "split": r["split"], "id": r["id"], "sentence": r["sentence"],
                        "passage": r["passage"], "question": r.get("question"), "supported": bool(r["supported"])})
    for split in ("dev", "test"):
        for p in halueval("qa", split, halueval_rows, seed=1):
            out.append({"set": "halueval_qa", "split": split, "id": p.id, "sentence": p.claim,
                        "passage": "\n\n".join(p.passages), "question": p.question, "supported": p.supported})
    return out


def judge(rows: list[dict], opinion) -> list[dict]:
    """Each pair with the checker's verdict, the model's P(yes) and its seconds."""
    from rag.guard.check import check
    from rag.guard.verify import ask
    from tqdm import tqdm

    out = []
    for r in tqdm(rows, desc="pairs", unit="pair", file=sys.stderr):
        lexical = check(r["sentence"], [r["passage"]], r["question"]).supported
        t = time.perf_counter()
        p = ask(opinion, r["sentence"], [r["passage"]], r["question"])
        out.append(r | {"lexical": lexical, "p_yes": p, "seconds": round(time.perf_counter() - t, 3)})
    return out


def combined(row: dict, veto: float, keep: float) -> bool:
    p = row["p_yes"]
    if p is None:
        return row["lexical"]
    return p >= veto if row["lexical"] else p >= keep


def balanced(rows: list[dict], said) -> dict:
    labels, kept = [r["supported"] for r in rows], [said(r) for r in rows]
    return {"balanced_accuracy": round(metrics.balanced_accuracy(labels, kept), 3),
            "supported_kept": round(metrics.mean(k for k, l in zip(kept, labels) if l), 3),
            "unsupported_removed": round(metrics.mean(not k for k, l in zip(kept, labels) if not l), 3)}


def summarize(rows: list[dict]) -> dict:
    from rag.guard.verify import OPINION_KEEP, OPINION_VETO

    out = {"cut_offs": {"veto": OPINION_VETO, "keep": OPINION_KEEP}}
    for name in dict.fromkeys(r["set"] for r in rows):
        for split in ("dev", "test"):
            part = [r for r in rows if r["set"] == name and r["split"] == split]
            if not part:
                continue
            out[f"{name}_{split}"] = {
                "pairs": len(part),
                "lexical": balanced(part, lambda r: r["lexical"]),
                "model_alone_at_0.5": balanced(part, lambda r: (r["p_yes"] or 0.0) >= 0.5),
                "both": balanced(part, lambda r: combined(r, OPINION_VETO, OPINION_KEEP)),
                "seconds_p50": metrics.percentile([r["seconds"] for r in part], 0.5),
            }
            if split == "dev":
                out[f"{name}_{split}"]["grid"] = {
                    f"veto {v} keep {k}": balanced(part, lambda r: combined(r, v, k))["balanced_accuracy"]
                    for v in GRID_VETO for k in GRID_KEEP}
    return out


def stored(row: dict) -> dict:
    """A pair as the results file keeps it: its id and verdicts (pairs() gives its texts again)."""
    return {k: v for k, v in row.items() if k not in ("sentence", "passage", "question")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.benchmarks.bench_opinion", description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", metavar="NAME", help="start a local llama.cpp server with this model (or PATH.gguf)")
    p.add_argument("--base-url", help="an OpenAI-compatible server instead")
    p.add_argument("--model", help="with --base-url: the model to ask")
    p.add_argument("--halueval-rows", type=int, default=150, metavar="N", help="HaluEval QA rows per split (150)")
    p.add_argument("--out", type=Path, default=EVAL_DIR / "results" / "bench_opinion.json")
    args = p.parse_args(argv)
    if not args.serve and not (args.base_url and args.model):
        p.error("give --serve NAME, or --base-url and --model")
    from rag.llm.client import LLMAnswerer
    from rag.settings import Settings

    from .bench_llm import serving

    with ExitStack() as stack:
        base_url, model = (args.base_url, args.model) if not args.serve else stack.enter_context(serving(args.serve))
        llm = LLMAnswerer(Settings.from_env().with_(llm_base_url=base_url, llm_model=model, llm_timeout=600))
        rows = judge(pairs(args.halueval_rows), llm.opinion)
    results = {"config": {"model": model, "halueval_rows": args.halueval_rows, "date": time.strftime("%Y-%m-%d %H:%M:%S")},
               "summary": summarize(rows), "pairs": [stored(r) for r in rows]}
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    shown = {k: {x: y for x, y in v.items() if x != "grid"} if isinstance(v, dict) else v
             for k, v in results["summary"].items()}
    print(json.dumps(shown, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
