"""Evaluating your own documents, measured: generated test sets beside the hand-written golden sets.

    python -m eval.benchmarks.bench_own [--n 100] [--corpus article docs] [--llm-answers]
                                        [--out eval/results/own_eval.json]

For each corpus (the seed article alone; the multi-document set, eval/harness/multidoc.py) in
a fresh data folder, one collection:
  - the hand-written questions of the test split, as a questions file (key facts, the
    expected document, answerable or not), evaluated with `evaluate` (eval/harness/own.py);
  - `generate(n)` without an LLM (probes only), timed, and the file evaluated, timed;
  - with an LLM configured (RAG_LLM_BASE_URL, e.g. `rag serve-llm --model "$(python -m eval.benchmarks.models qwen1.5b)"`):
    `generate(n)` with it (LLM drafts and about 1 in 5 probes), timed, and evaluated with the
    offline answerer, and with --llm-answers also with the LLM answerer, timed.
The generated files are kept beside the results (OUT's folder, own/) to be checked by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from eval.harness import golden
from eval.harness.generate import generate
from eval.harness.multidoc import DOCS_GOLDEN, write_corpus
from eval.harness.own import evaluate

FIGURES = [("cases", "pass_rate"), ("answers", "key_fact_accuracy"), ("refusal", "negative_rejection"),
           ("refusal", "false_refusal"), ("sources", "hit_rate"), ("sources", "citation_precision"),
           ("citations", "validity"), ("latency", "p50_ms")]


def hand_written(corpus: str, seed_name: str, path: Path) -> Path:
    """The golden set's test split as a questions file."""
    source = golden.DATA_DIR / "golden.jsonl" if corpus == "article" else DOCS_GOLDEN
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as f:
        for d in rows:
            if d["split"] != "test":
                continue
            doc = f"news-{d['doc_row']}.txt" if "doc_row" in d else seed_name
            case = {"id": d["id"], "question": d["question"], "answerable": d["answerable"],
                    "key_facts": d.get("key_facts", []), "sources": [doc] if d["answerable"] else [],
                    "reference_answer": d.get("reference_answer", "")}
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    return path


def figures(results: dict) -> dict:
    out = {"cases": results["count"]["cases"], "seconds": results["config"]["seconds"]}
    for g, k in FIGURES:
        out[f"{g}.{k}"] = results[g][k]
    for origin, r in results.get("by_origin", {}).items():
        out[f"{origin}.pass_rate"] = r["cases"]["pass_rate"]
    return out


def run_corpus(corpus: str, n: int, keep: Path, llm_answers: bool) -> dict:
    from rag.answering.engine import Engine
    from rag.ingestion.documents import load
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix=f"rag-own-{corpus}-") as tmp:
        tmp = Path(tmp)
        base = Settings.from_env()
        seed = sorted(base.seeds_dir.glob("*.txt"))[0]
        docs = tmp / "docs"
        if corpus == "article":
            docs.mkdir()
            (docs / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
        else:
            write_corpus(docs, base.seeds_dir)
        settings = base.with_(data_dir=tmp / "data", collection="bench")
        engine = Engine(settings.with_(collection="default"), ensure_seeds=False)
        bench = engine.for_collection("bench", create=True)
        bench.store.sync(load([docs]))
        out: dict = {"documents": len(list(docs.iterdir())), "chunks": bench.store.count()}
        hand = hand_written(corpus, seed.name, keep / f"{corpus}-hand.jsonl")
        out["hand_written"] = figures(evaluate(hand, collection="bench", engine=engine, answerer="extractive"))
        runs = [("probes", False)] + ([("llm", None)] if settings.llm_configured else [])
        for kind, llm in runs:
            path = keep / f"{corpus}-generated-{kind}.jsonl"
            path.unlink(missing_ok=True)
            t0 = time.perf_counter()
            report = generate(n, path, settings=settings, llm=llm)
            gen = {"seconds": round(time.perf_counter() - t0, 1), "written": report.written,
                   "drafted": report.drafted, "rejected": dict(report.rejected), "probes": report.probes}
            res = {"generate": gen,
                   "evaluate_offline": figures(evaluate(path, collection="bench", engine=engine, answerer="extractive"))}
            if llm_answers and settings.llm_configured:
                res["evaluate_llm"] = figures(evaluate(path, collection="bench", engine=engine, answerer="llm"))
            out[f"generated_{kind}"] = res
            print(f"{corpus} {kind}: {json.dumps(res)}", flush=True)
        if llm_answers and settings.llm_configured:
            out["hand_written_llm"] = figures(evaluate(hand, collection="bench", engine=engine, answerer="llm"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--corpus", nargs="+", choices=["article", "docs"], default=["article", "docs"])
    ap.add_argument("--llm-answers", action="store_true", help="also evaluate with the LLM answerer")
    ap.add_argument("--out", default="eval/results/own_eval.json")
    args = ap.parse_args()
    out = Path(args.out)
    keep = out.parent / "own"
    keep.mkdir(parents=True, exist_ok=True)
    results = {"n": args.n, "llm": os.environ.get("RAG_LLM_MODEL") if os.environ.get("RAG_LLM_BASE_URL") else None,
               "cpu": os.cpu_count()}
    for corpus in args.corpus:
        results[corpus] = run_corpus(corpus, args.n, keep, args.llm_answers)
        out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
