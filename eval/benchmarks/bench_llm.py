"""Generated answers side by side: our pipeline with the LLM answerer against stock LlamaIndex CitationQueryEngine.

    python -m eval.benchmarks.bench_llm --serve qwen1.5b [--split dev|test] [--suite article|docs] [--limit N] [--no-stock]
    RAG_LLM_BASE_URL=http://127.0.0.1:PORT/v1 RAG_LLM_MODEL=NAME python -m eval.benchmarks.bench_llm
    python -m eval.benchmarks.bench_llm --base-url http://127.0.0.1:PORT/v1 --model NAME

Both pipelines use the same model on the same OpenAI-compatible server, through
the same llama-index OpenAILike client (temperature 0, 400 tokens at most), over
the same documents: the article (seeds/) and its golden set, or with --suite docs
the article with the twelve news documents of eval/harness/multidoc.py and their questions
(eval/data/docs_golden.jsonl, split by document):

  ours   rag.answering.engine.Engine, answerer "llm": hybrid retrieval (RAG_TOP_K, default
         4), the prompts in rag/llm/prompts/, the citation guard on every streamed
         sentence, and the extractive fallback when the guard removes all of them.
  stock  llama_index CitationQueryEngine over eval/harness/baseline.py's plain index
         (default chunking, Chroma, the bundled all-MiniLM-L6-v2 through
         HuggingFaceEmbedding), similarity_top_k=3, the library's own prompts,
         streamed.

Per answer: key facts found (eval.metrics.key_fact_score), refused or not (ours:
Answer.refused; stock: a refusal phrase such as "I don't know" or "does not
mention"), what the guard did (sentences generated, kept, removed; a fallback
when Answer.notice says "instead"), the time to the first sentence (ours: the
first *verified* sentence; stock: its first complete sentence, unchecked) and the
total time. Questions alternate between the pipelines. Writes
eval/results/bench_llm_<split>.json (bench_llm_docs_<split>.json with --suite docs;
or --out) and prints p50/p95 and ratios.
--serve NAME starts `rag serve-llm --model NAME`'s server for the run and stops it.
On a 2-core CPU a full split with qwen1.5b takes on the order of an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .. import metrics
from ..harness import golden
from ..harness.baseline import PlainLlamaIndex
from ..harness.golden import EVAL_DIR
from ..harness.multidoc import DOCS_GOLDEN, write_corpus

STOCK_TOP_K = 3
# what a stock answer that declines looks like: its prompt says "indicate that" none of the sources helps
STOCK_REFUSAL_RE = re.compile(
    r"\b(i don'?t know|i do not know|i'?m not sure|cannot (be )?(answer|determin)|can'?t (answer|determine)|"
    r"unable to (answer|determine|find)|no (information|mention)|not (mentioned|stated|specified|provided|"
    r"available|clear)|(does|do|did) not (say|state|mention|provide|contain|specify|include|indicate|discuss)|"
    r"(doesn'?t|don'?t) (say|state|mention|provide|contain|specify|include|indicate|discuss)|"
    r"none of the (provided )?sources)", re.IGNORECASE)


def stock_refused(text: str) -> bool:
    return not text.strip() or bool(STOCK_REFUSAL_RE.search(text))


def ms(seconds: float) -> float:
    return round(seconds * 1e3, 1)


def recording(llm) -> list[str]:
    """Record the model's raw replies (before the guard) by wrapping llm.stream; returns the record."""
    drafts: list[str] = []
    inner = llm.stream

    def stream(question, passages):
        drafts.append("")
        for delta in inner(question, passages):
            drafts[-1] += delta
            yield delta

    llm.stream = stream
    return drafts


def ask_ours(engine, item, drafts: list[str] | None = None) -> dict:
    from rag.text import split_claims

    before = len(drafts) if drafts is not None else 0
    t0 = time.perf_counter()
    first = None
    stream = engine.ask_stream(item.question)
    for chunk in stream:
        if first is None and chunk.strip():
            first = time.perf_counter()
    total = time.perf_counter() - t0
    a = stream.answer
    by_llm = a.answerer == "llm"  # False after a fallback: the text then quotes the documents
    fallback = "instead" in a.notice
    kept = len(split_claims(a.text)) if by_llm and not a.refused else 0
    return {
        "answer": a.text, "refused": a.refused, "answered_by": a.answerer, "fallback": fallback,
        "llm_failed": fallback and "answered offline" in a.notice, "notice": a.notice,
        "key_facts": None if a.refused or not item.answerable else metrics.key_fact_score(item, a.text),
        "sentences": {"generated": kept + len(a.unsupported) + (1 if a.refused and by_llm else 0),
                      "kept": kept, "removed": len(a.unsupported), "recited": len(a.recited) if by_llm else 0},
        "unsupported": a.unsupported,
        "draft": drafts[-1] if drafts and len(drafts) > before else None,
        "citations": [c.number for c in a.citations],
        # the first verified sentence of the model's; a refusal or a fallback arrives whole, at the end
        "first_verified_ms": ms(first - t0) if first is not None and by_llm and not a.refused else None,
        "first_output_ms": ms(first - t0) if first is not None else None,
        "total_ms": ms(total),
        "verify_ms": round(a.timings_ms.get("verify", 0.0), 1),  # the guard's time, the model's opinions included
    }


def ask_stock(engine, item) -> dict:
    from rag.guard.verify import complete_sentences
    from rag.text import split_claims

    t0 = time.perf_counter()
    first = None
    try:
        response = engine.query(item.question)
        sentences = []
        for sentence in complete_sentences(response.response_gen):
            if first is None:
                first = time.perf_counter()
            sentences.append(sentence)
        text, error = " ".join(sentences), ""
    except Exception as exc:  # noqa: BLE001 - a failed answer is a result here, not a crash
        text, error = "", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    total = time.perf_counter() - t0
    refused = stock_refused(text)
    claims = split_claims(text) if text else []
    return {
        "answer": text, "refused": refused, "error": error,
        "key_facts": None if refused or not item.answerable else metrics.key_fact_score(item, text),
        "sentences": {"generated": len(claims), "cited": sum(bool(n) for _, n in claims)},
        "first_sentence_ms": ms(first - t0) if first is not None else None,
        "total_ms": ms(total),
    }


def summarize(rows: list[dict], side: str) -> dict | None:
    if not all(side in r for r in rows):
        return None
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    mine = lambda r: r[side]  # noqa: E731
    facts = [0.0 if mine(r)["refused"] else mine(r)["key_facts"] for r in answerable]
    times = lambda key: [mine(r)[key] for r in rows if mine(r).get(key) is not None]  # noqa: E731
    first_key = "first_verified_ms" if side == "ours" else "first_sentence_ms"
    out = {
        "questions": len(rows),
        "key_fact_accuracy": metrics.mean(facts),
        "all_facts_rate": metrics.mean(f == 1.0 for f in facts),
        "negative_rejection": metrics.mean(mine(r)["refused"] for r in unanswerable),
        "false_refusal": metrics.mean(mine(r)["refused"] for r in answerable),
        "first_sentence": {"count": len(times(first_key)), "p50_ms": metrics.percentile(times(first_key), 0.5),
                           "p95_ms": metrics.percentile(times(first_key), 0.95)},
        "total": {"p50_ms": metrics.percentile(times("total_ms"), 0.5),
                  "p95_ms": metrics.percentile(times("total_ms"), 0.95)},
        "sentences_generated": sum(mine(r)["sentences"]["generated"] for r in rows),
    }
    if side == "ours":
        llm_facts = [mine(r)["key_facts"] for r in answerable if mine(r)["answered_by"] == "llm" and not mine(r)["refused"]]
        out |= {
            "sentences_kept": sum(mine(r)["sentences"]["kept"] for r in rows),
            "sentences_recited": sum(mine(r)["sentences"].get("recited", 0) for r in rows),
            "sentences_removed": sum(mine(r)["sentences"]["removed"] for r in rows),
            "fallbacks": sum(mine(r)["fallback"] for r in rows),
            # of which the offline answerer quoted the documents, or refused (which quotes nothing)
            "fallbacks_quoting": sum(mine(r)["fallback"] and not mine(r)["refused"] for r in rows),
            "fallbacks_refusing": sum(mine(r)["fallback"] and mine(r)["refused"] for r in rows),
            "llm_failures": sum(mine(r)["llm_failed"] for r in rows),
            "answered_by_llm": sum(mine(r)["answered_by"] == "llm" and not mine(r)["refused"] for r in rows),
            # key facts in the answers the model's own (verified) sentences make up
            "key_fact_accuracy_llm_answers": metrics.mean(llm_facts),
            "first_output": {"p50_ms": metrics.percentile(times("first_output_ms"), 0.5),
                             "p95_ms": metrics.percentile(times("first_output_ms"), 0.95)},
        }
    else:
        out |= {"sentences_cited": sum(mine(r)["sentences"]["cited"] for r in rows),
                "errors": sum(bool(mine(r)["error"]) for r in rows)}
    return out


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if a and b else None


def print_table(results: dict, out=sys.stdout) -> None:
    o, s = results["ours"], results["stock"]
    cfg = results["config"]
    print(f"\n{cfg['model']} at {cfg['base_url']}, {cfg.get('suite', 'article')} {cfg['split']} split, {o['questions']} questions "
          f"({cfg['answerable']} answerable)", file=out)
    t = s or o  # --no-stock: our side only (the other column is not printed)
    rows = [
        ("key-fact accuracy (answerable)", o["key_fact_accuracy"], t["key_fact_accuracy"], "{:.3f}"),
        ("all key facts (answerable)", o["all_facts_rate"], t["all_facts_rate"], "{:.3f}"),
        ("refused when unanswerable", o["negative_rejection"], t["negative_rejection"], "{:.3f}"),
        ("refused when answerable", o["false_refusal"], t["false_refusal"], "{:.3f}"),
        ("first sentence p50 ms", o["first_sentence"]["p50_ms"], t["first_sentence"]["p50_ms"], "{:.0f}"),
        ("first sentence p95 ms", o["first_sentence"]["p95_ms"], t["first_sentence"]["p95_ms"], "{:.0f}"),
        ("total p50 ms", o["total"]["p50_ms"], t["total"]["p50_ms"], "{:.0f}"),
        ("total p95 ms", o["total"]["p95_ms"], t["total"]["p95_ms"], "{:.0f}"),
        ("sentences generated", o["sentences_generated"], t["sentences_generated"], "{:d}"),
    ]
    print(f"{'':34}{'ours':>12}" + (f"{'stock':>12}{'ours/stock':>12}" if s else ""), file=out)
    for name, a, b, fmt in rows:
        r = ratio(a, b)
        theirs = f"{fmt.format(b):>12}{(f'{r:.2f}' if r is not None else '-'):>12}" if s else ""
        print(f"{name:34}{fmt.format(a):>12}{theirs}", file=out)
    print(f"ours: first sentence = first verified sentence ({o['first_sentence']['count']} answers had one); "
          f"guard kept {o['sentences_kept']} ({o.get('sentences_recited', 0)} re-cited), removed {o['sentences_removed']}; {o['fallbacks']} fallbacks "
          f"({o['llm_failures']} after an LLM failure; {o['fallbacks_quoting']} quoting the documents, "
          f"{o['fallbacks_refusing']} refusing); {o['answered_by_llm']} answered in the model's words", file=out)
    if s:
        print(f"stock: first sentence unchecked; {s['sentences_cited']} of {s['sentences_generated']} sentences "
              f"carry a [n]; {s['errors']} errors", file=out)


SUITES = ("article", "docs", "everyday")


def corpus(suite: str, split: str, folder: Path, seeds: Path) -> tuple[list, Path, list[Path]]:
    """The suite's questions of the split, the folder of documents to index (written into
    `folder` for docs and everyday) and the text files the stock side indexes: the same documents,
    as the text our parsers extract from them (SimpleDirectoryReader reads no .pptx or .xlsx
    without more packages; this way both sides see the same words)."""
    if suite == "docs":
        write_corpus(folder, seeds)
        return golden.questions(split, DOCS_GOLDEN), folder, sorted(folder.glob("*.txt"))
    if suite == "everyday":
        from rag.ingestion.documents import load

        from ..harness import everyday

        folder.mkdir(parents=True, exist_ok=True)
        for path in everyday.documents():
            shutil.copyfile(path, folder / path.name)
        texts = folder.parent / "as-text"
        texts.mkdir(parents=True, exist_ok=True)
        for doc in load([folder]):
            (texts / f"{doc.path.name}.txt").write_text(doc.text, encoding="utf-8")
        return [item for item, _ in everyday.questions(split)], folder, sorted(texts.glob("*.txt"))
    return golden.questions(split), seeds, sorted(seeds.glob("*.txt")) + sorted(seeds.glob("*.md"))


def spread(items: list, n: int | None) -> list:
    """`n` of the items, evenly spaced through them (every genre and answer type of a set ordered
    by document keeps its share), or all when n is None or not smaller."""
    if not n or n >= len(items):
        return items
    return [items[int(i * len(items) / n)] for i in range(n)]


def run(base_url: str, model: str, split: str, limit: int | None, timeout: float, stock_side: bool = True,
        suite: str = "article", sample: int | None = None) -> dict:
    from llama_index.core.query_engine import CitationQueryEngine

    from rag.answering.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-bench-llm-") as tmp:
        env = Settings.from_env()
        items, documents, seeds = corpus(suite, split, Path(tmp) / "docs", env.seeds_dir)
        items = spread(items[:limit] if limit else items, sample)
        settings = env.with_(data_dir=Path(tmp) / "ours", seeds_dir=documents, answerer="llm",
                             llm_base_url=base_url, llm_model=model, llm_timeout=timeout)
        engine = Engine(settings)
        llm = engine.llm.client  # one OpenAILike for both: same model, temperature, token limit, timeout
        plain = PlainLlamaIndex(seeds, Path(tmp) / "baseline")
        stock = CitationQueryEngine.from_args(plain.index, llm=llm, similarity_top_k=STOCK_TOP_K, streaming=True)
        # warm-up, untimed: embedding and guard models loaded, the model's weights paged in
        engine.ask("warm-up question about the documents", answerer="extractive")
        plain.retriever.retrieve("warm-up question about the documents")
        llm.complete("Reply with the word OK.")
        rows = []
        drafts = recording(engine.llm)
        from tqdm import tqdm

        for item in tqdm(items, desc="questions", unit="q", file=sys.stderr):
            rows.append({"id": item.id, "question": item.question, "answerable": item.answerable,
                         "key_facts_expected": list(item.key_facts),
                         "ours": ask_ours(engine, item, drafts)}
                        | ({"stock": ask_stock(stock, item)} if stock_side else {}))
        config = {"suite": suite, "split": split, "limit": limit, "sample": sample, "questions": len(items),
                  "answerable": sum(i.answerable for i in items), "base_url": base_url, "model": model,
                  "ours_top_k": settings.top_k, "stock_top_k": STOCK_TOP_K, "timeout_s": timeout,
                  "stock": "llama_index CitationQueryEngine.from_args(plain index, similarity_top_k=3, streaming=True)",
                  "date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count()}
    ours, theirs = summarize(rows, "ours"), summarize(rows, "stock")
    if theirs is None:
        return {"config": config, "ours": ours, "stock": None, "ratios_ours_over_stock": None, "items": rows}
    ratios = {"first_sentence_p50": ratio(ours["first_sentence"]["p50_ms"], theirs["first_sentence"]["p50_ms"]),
              "first_sentence_p95": ratio(ours["first_sentence"]["p95_ms"], theirs["first_sentence"]["p95_ms"]),
              "total_p50": ratio(ours["total"]["p50_ms"], theirs["total"]["p50_ms"]),
              "total_p95": ratio(ours["total"]["p95_ms"], theirs["total"]["p95_ms"])}
    return {"config": config, "ours": ours, "stock": theirs, "ratios_ours_over_stock": ratios, "items": rows}


def rescore(results: dict) -> dict:
    """A recorded run's answers scored again by today's eval.metrics (the answers, times and the
    guard's counts as recorded): a metric fixed later applies to both sides, with no model run."""
    from types import SimpleNamespace

    rows = results["items"]
    for row in rows:
        item = SimpleNamespace(key_facts=tuple(row["key_facts_expected"]))
        for side in ("ours", "stock"):
            got = row.get(side)
            if got and got["key_facts"] is not None:
                got["key_facts"] = metrics.key_fact_score(item, got["answer"])
    return results | {"ours": summarize(rows, "ours"), "stock": summarize(rows, "stock")}


@contextmanager
def serving(choice: str, threads: int | None = None):
    """A local llama.cpp server with the benchmark model `choice` for the block: (base URL, model name)."""
    from rag.llm.local_server import LocalLLMServer
    from rag.settings import Settings

    from .models import resolve

    chosen = resolve(choice, Settings.from_env().data_dir)
    log = Path(tempfile.gettempdir()) / f"bench_llm_{chosen.alias}_server.log"
    print(f"starting llama.cpp with {chosen.path} (log: {log})", file=sys.stderr, flush=True)
    with LocalLLMServer(model=chosen.path, alias=chosen.alias, n_ctx=8192, threads=threads, log=log) as server:
        yield server.base_url, chosen.alias


def main(argv: list[str] | None = None) -> int:
    from .models import CHOICES

    p = argparse.ArgumentParser(prog="python -m eval.benchmarks.bench_llm", description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=golden.SPLITS, default="dev")
    p.add_argument("--suite", choices=SUITES, default="article",
                   help="article: the seed article's golden set (default); docs: the article with twelve other "
                        "news documents and their questions; everyday: 26 documents of 13 genres (eval/data/everyday)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions")
    p.add_argument("--sample", type=int, default=None, metavar="N",
                   help="N questions spread evenly through the split (a 2-core CPU answers one in about a minute)")
    p.add_argument("--base-url", default=os.environ.get("RAG_LLM_BASE_URL"), help="default: RAG_LLM_BASE_URL")
    p.add_argument("--model", default=os.environ.get("RAG_LLM_MODEL"), help="default: RAG_LLM_MODEL")
    p.add_argument("--serve", metavar="|".join(CHOICES),
                   help="start a local llama.cpp server with this model (or PATH.gguf) for the run; eval/benchmarks/models.py")
    p.add_argument("--threads", type=int, default=None, help="with --serve: CPU threads for llama.cpp")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per LLM request (default 600)")
    p.add_argument("--no-stock", action="store_true", help="our pipeline only (no CitationQueryEngine side)")
    p.add_argument("--out", type=Path, default=None, help="default: eval/results/bench_llm_<split>.json")
    p.add_argument("--rescore", type=Path, default=None, metavar="FILE",
                   help="no model run: score a recorded run's answers again with today's metrics, in place")
    args = p.parse_args(argv)
    if args.rescore:
        results = rescore(json.loads(args.rescore.read_text(encoding="utf-8")))
        args.rescore.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print_table(results)
        return 0
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    if not args.serve and not args.base_url:
        p.error("give --serve NAME, or --base-url/--model (or set RAG_LLM_BASE_URL and RAG_LLM_MODEL)")
    prefix = "bench_llm" if args.suite == "article" else f"bench_llm_{args.suite}"
    out = args.out or EVAL_DIR / "results" / f"{prefix}_{args.split}.json"
    with ExitStack() as stack:
        base_url, model = args.base_url, args.model
        if args.serve:
            base_url, model = stack.enter_context(serving(args.serve, args.threads))
        if not model:
            p.error("--model (or RAG_LLM_MODEL) is needed with --base-url")
        results = run(base_url, model, args.split, args.limit, args.timeout, stock_side=not args.no_stock,
                      suite=args.suite, sample=args.sample)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
