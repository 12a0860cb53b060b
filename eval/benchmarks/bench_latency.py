"""Latency benchmark: our `ask()` and `rag ask` against a plain LlamaIndex script, side by side.

    python -m eval.benchmarks.bench_latency [--repeats 3] [--cold-runs 5]

Warm: one process holds both pipelines; every golden-set question goes through
our full ask() (retrieve + answer + verify) and through plain LlamaIndex
retrieval alone (VectorStoreIndex over Chroma, same model via
sentence-transformers, top 4), interleaved; medians and their ratio.
Cold: fresh processes, alternating `rag ask` with eval/benchmarks/plain_script.py over
prebuilt indexes; median wall times and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..harness import golden

ROOT = Path(__file__).resolve().parents[2]  # the project folder


def warm(repeats: int) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag import ask
    from rag.answering.engine import Engine
    from rag.ingestion.minilm import bundled_model_path
    from rag.settings import Settings

    questions = [q.question for q in golden.questions("all")]
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings.from_env().with_(data_dir=Path(tmp) / "ours", answerer="extractive"))
        client = chromadb.PersistentClient(path=str(Path(tmp) / "plain"), settings=ChromaSettings(anonymized_telemetry=False))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("plain"))
        embed = HuggingFaceEmbedding(model_name=str(bundled_model_path()), device="cpu")
        docs = SimpleDirectoryReader(str(engine.settings.seeds_dir)).load_data()
        index = VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store),
                                                embed_model=embed)
        plain = index.as_retriever(similarity_top_k=4)
        for q in questions:  # warm both: models loaded, passage vectors cached as in a running server
            ask(q, engine=engine)
            plain.retrieve(q)
        ours, theirs, stages = [], [], {"retrieve": [], "answer": [], "verify": []}
        for _ in range(repeats):
            for q in questions:
                engine.embedder.forget(q)  # the question is new to us: no cached query vector
                t = time.perf_counter()
                a = ask(q, engine=engine)
                ours.append((time.perf_counter() - t) * 1e3)
                for s in stages:
                    stages[s].append(a.timings_ms[s])
                t = time.perf_counter()
                plain.retrieve(q)
                theirs.append((time.perf_counter() - t) * 1e3)
    p50_ours, p50_plain = statistics.median(ours), statistics.median(theirs)
    return {"questions": len(questions), "repeats": repeats,
            "ask_p50_ms": p50_ours, "plain_retrieval_p50_ms": p50_plain, "ratio": p50_ours / p50_plain,
            "ask_p95_ms": sorted(ours)[int(0.95 * (len(ours) - 1))],
            "stages_p50_ms": {s: statistics.median(v) for s, v in stages.items()}}


def _time(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def cold(runs: int) -> dict:
    question = "Where did Putin and Xi meet?"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RAG_DATA_DIR=str(Path(tmp) / "ours"), RAG_ANSWERER="extractive",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        rag_cmd = [str(Path(sys.executable).with_name("rag")), "ask", question]
        plain_cmd = [sys.executable, "-m", "eval.benchmarks.plain_script", str(Path(tmp) / "plain"), question]
        _time(rag_cmd, env)  # build both indexes first: we time answering, not ingestion
        _time(plain_cmd, env)
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(_time(rag_cmd, env))
            theirs.append(_time(plain_cmd, env))
    return {"runs": runs, "rag_ask_median_s": statistics.median(ours),
            "plain_script_median_s": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--out", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args()
    result = {"warm": warm(args.repeats), "cold": cold(args.cold_runs)}
    w, c = result["warm"], result["cold"]
    print(f"warm: ask() p50 {w['ask_p50_ms']:.1f} ms vs plain retrieval p50 {w['plain_retrieval_p50_ms']:.1f} ms "
          f"-> {w['ratio']:.2f}x (target <= 1.5x); stages p50 {json.dumps({k: round(v, 2) for k, v in w['stages_p50_ms'].items()})}")
    print(f"cold: `rag ask` {c['rag_ask_median_s']:.2f} s vs plain script {c['plain_script_median_s']:.2f} s "
          f"-> {c['ratio']:.2f}x (target <= 0.6x)")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
