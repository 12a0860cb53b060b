"""Ingest benchmark: `rag ingest` against a plain LlamaIndex script, in fresh processes.

    python -m eval.benchmarks.bench_ingest [--repeats 3] [--out eval/results/bench_ingest.json]

Both ingest the same two files into a fresh data folder: the 56 KB Debian
Python policy page (tests/data/debian-python-policy.html) and a one-line .txt
file. `rag ingest` runs as a user runs it (the installed command, stderr
captured, so not a terminal); the plain side is eval/benchmarks/plain_ingest.py
(BeautifulSoup text -> SentenceSplitter -> ChromaVectorStore ->
VectorStoreIndex with HuggingFaceEmbedding of the bundled model). Runs
alternate, rag first, `--repeats` times each; medians of the wall times and
their ratio. Also timed: `rag ingest` again over the unchanged files (nothing
to embed), `rag sources`, and `rag ask ""` (the empty question is rejected
before the index or a model is loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project folder
POLICY = ROOT / "tests" / "data" / "debian-python-policy.html"
RAG = Path(sys.executable).parent / "rag"
ONE_LINE = "The quokka colony on Rottnest Island numbers about 12,000 animals.\n"


def timed(cmd: list[str], env: dict, expect: int = 0) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    if r.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)} exited with {r.returncode}:\n{r.stderr[-2000:]}")
    return seconds, r


def run(repeats: int) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    env.pop("RAG_CHROMA_URL", None)
    times: dict[str, list[float]] = {"rag ingest": [], "plain LlamaIndex ingest": [], "rag ingest, unchanged": [],
                                      "rag sources": [], 'rag ask ""': []}
    chunks: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        note = tmp / "quokkas.txt"
        note.write_text(ONE_LINE, encoding="utf-8")
        files = [str(POLICY), str(note)]
        for i in range(repeats):
            ours = dict(env, RAG_DATA_DIR=str(tmp / f"rag-{i}"))
            seconds, r = timed([str(RAG), "ingest", *files], ours)
            times["rag ingest"].append(seconds)
            chunks["rag"] = int(r.stdout.split("index holds ")[1].split()[0])
            print(f"  run {i + 1}: rag ingest {seconds:.1f} s ({r.stderr.strip().splitlines()[-1]})", flush=True)

            seconds, r = timed([sys.executable, "-m", "eval.benchmarks.plain_ingest", str(tmp / f"plain-{i}"), *files], env)
            times["plain LlamaIndex ingest"].append(seconds)
            chunks["plain LlamaIndex"] = int(r.stdout.split()[0])
            print(f"  run {i + 1}: plain LlamaIndex ingest {seconds:.1f} s", flush=True)

            seconds, r = timed([str(RAG), "ingest", *files], ours)
            assert " 0 chunk(s) added" in r.stdout, r.stdout
            times["rag ingest, unchanged"].append(seconds)
            times["rag sources"].append(timed([str(RAG), "sources"], ours)[0])
            seconds, r = timed([str(RAG), "ask", ""], ours, expect=2)
            assert r.stderr.strip() == "rag: the question is empty", r.stderr
            times['rag ask ""'].append(seconds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "what": "wall time of fresh processes, seconds; median of alternating runs",
        "files": {"debian-python-policy.html": POLICY.stat().st_size, "quokkas.txt": len(ONE_LINE.encode())},
        "repeats": repeats,
        "chunks": chunks,
        "runs": times,
        "median_s": medians,
        "ratio_rag_to_plain": medians["rag ingest"] / medians["plain LlamaIndex ingest"],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg()[0]},
    }


def table(result: dict) -> str:
    rows = [f"{'command':<26} {'median':>8}  runs"]
    for name, median in result["median_s"].items():
        runs = ", ".join(f"{v:.2f}" for v in result["runs"][name])
        rows.append(f"{name:<26} {median:>7.2f}s  {runs}")
    rows.append(f"rag / plain LlamaIndex ingest: {result['ratio_rag_to_plain']:.2f}x  "
                f"(chunks: {', '.join(f'{k} {v}' for k, v in result['chunks'].items())})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=str(ROOT / "eval" / "results" / "bench_ingest.json"))
    args = p.parse_args(argv)
    result = run(args.repeats)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
