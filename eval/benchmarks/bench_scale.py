"""Scale benchmark: how ingest and retrieval cost grow with the corpus.

    python -m eval.benchmarks.bench_scale [--sizes 5000 20000 50000] [--corpus DIR] [--out FILE]

Corpus: the Python documentation that Debian's python3-doc package installs
(its reStructuredText sources, /usr/share/doc/python3.*/html/_sources), cut
into 64-token chunks so that 50,000 chunks fit in it; the seed article is the
smallest size. Each size runs in a fresh process and a fresh index and
reports ingest throughput (chunks/s), index size on disk, warm hybrid
retrieval and whole-answer p50/p95 over a fixed set of questions, the first
answer after ingest (builds BM25 and corpus statistics), the first answer of a
restarted engine with the saved derived indexes vs rebuilding them (side by
side, same folder), and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..metrics import percentile

QUESTIONS = ["How do I open a file for reading?", "What does the with statement do?", "How are exceptions raised?",
             "What is a generator?", "How do I sort a list of dictionaries?", "What is the GIL?",
             "How do I parse command line arguments?", "What does asyncio.gather do?",
             "How do I read a CSV file?", "What is a dataclass?", "Where did Putin and Xi meet?",
             "What did Lavrov call the relationship?"] * 4
CHUNK_SIZE, CHUNK_OVERLAP = 64, 12


def corpus_files(corpus: str) -> list[Path]:
    pattern = corpus or "/usr/share/doc/python3*/html/_sources"
    roots = sorted(glob.glob(pattern))
    if not roots:
        raise SystemExit("no corpus: apt-get install python3-doc (or pass --corpus DIR)")
    return sorted(Path(roots[0]).rglob("*.txt"))


def one(size: int, corpus: str) -> dict:
    """Ingest about `size` chunks into a fresh index, then time retrieval. Runs in its own process."""
    from rag.answering.engine import Engine
    from rag.errors import BadInput
    from rag.ingestion.chunking import chunk
    from rag.ingestion.documents import read
    from rag.settings import PROJECT_ROOT, Settings

    docs, total = [read(PROJECT_ROOT / "seeds" / "putin-xi-beijing.txt")], 0
    total = len(chunk(docs[0], CHUNK_SIZE, CHUNK_OVERLAP))
    for path in corpus_files(corpus) if size > total else []:
        if total >= size:
            break
        try:
            doc = read(path)
        except BadInput:
            continue
        docs.append(doc)
        total += len(chunk(doc, CHUNK_SIZE, CHUNK_OVERLAP))
    # Chroma may still be compacting in the background when we leave: never fail on cleanup.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        settings = Settings.from_env().with_(data_dir=Path(tmp), chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                             answerer="extractive")
        engine = Engine(settings, ensure_seeds=False)
        t = time.perf_counter()
        report = engine.store.sync(docs)
        ingest_s = time.perf_counter() - t
        size_mb = folder_mb(Path(tmp) / "chroma")
        first_s = timed(lambda: engine.ask(QUESTIONS[0]))  # builds BM25 and corpus statistics, saves them
        derived_mb = folder_mb(Path(tmp) / "derived")
        times, asks = [], []
        for q in QUESTIONS:
            engine.embedder.forget(q)
            times.append(timed(lambda q=q: engine.retriever.retrieve(q)) * 1e3)
            engine.embedder.forget(q)
            asks.append(timed(lambda q=q: engine.ask(q)) * 1e3)
        # A new engine on the same folder, as a restarted process sees it: first with the
        # saved derived indexes, then with them deleted (what every restart cost before).
        loaded_s = timed(lambda: Engine(settings, ensure_seeds=False).ask(QUESTIONS[1]))
        shutil.rmtree(Path(tmp) / "derived")
        rebuilt_s = timed(lambda: Engine(settings, ensure_seeds=False).ask(QUESTIONS[1]))
    return {"chunks": report.added, "files": len(docs), "ingest_s": round(ingest_s, 1),
            "chunks_per_s": round(report.added / ingest_s, 1), "index_mb": round(size_mb, 1),
            "derived_mb": round(derived_mb, 1), "first_query_s": round(first_s, 2),
            "restart_loaded_s": round(loaded_s, 2), "restart_rebuilt_s": round(rebuilt_s, 2),
            "retrieve_p50_ms": round(percentile(times, 0.5), 1), "retrieve_p95_ms": round(percentile(times, 0.95), 1),
            "ask_p50_ms": round(percentile(asks, 0.5), 1), "ask_p95_ms": round(percentile(asks, 0.95), 1),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)}


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 5000, 20000, 50000])
    ap.add_argument("--corpus", default="")
    ap.add_argument("--out", default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.corpus)))
        return
    rows = []
    for size in args.sizes:
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        out = subprocess.run([sys.executable, "-m", "eval.benchmarks.bench_scale", "--one", str(size), "--corpus", args.corpus],
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            print(f"size {size} failed:\n{out.stderr[-3000:]}", file=sys.stderr, flush=True)
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['chunks']:7d} chunks ({row['files']} files): ingest {row['chunks_per_s']} chunks/s "
              f"({row['ingest_s']} s), index {row['index_mb']} MB + derived {row['derived_mb']} MB; "
              f"retrieve p50/p95 {row['retrieve_p50_ms']}/{row['retrieve_p95_ms']} ms, "
              f"ask p50/p95 {row['ask_p50_ms']}/{row['ask_p95_ms']} ms; first ask after ingest "
              f"{row['first_query_s']} s, after a restart {row['restart_loaded_s']} s with saved derived "
              f"indexes vs {row['restart_rebuilt_s']} s rebuilding them; peak RSS {row['max_rss_mb']:.0f} MB",
              flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
