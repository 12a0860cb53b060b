"""`rag eval`: run the golden set through our pipeline and the plain LlamaIndex baseline.

Writes OUT/results.json (metrics, per-question verdicts) and OUT/report.html;
--compare OLD_DIR prints what changed; --gate fails (exit 1) when a metric
crosses a threshold in eval/data/thresholds.json. --suite runs the public
benchmarks (suites.py) and the multi-document set (multidoc.py) too, with the
evaluation's own judgments (eval/judges) beside the product's. Everything runs offline.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .. import metrics
from ..judges.answerable import AnswerabilityJudge
from ..judges.llm import judge_answers, judge_pairs
from ..judges.rules import RuleScorer, RulesJudge, ask_with, variants
from ..judges.support import SupportJudge
from ..metrics import summarize
from . import golden
from .baseline import PlainLlamaIndex
from .gate import check_gate, compare, parse_thresholds, print_changes
from .golden import DATA_DIR
from .progress import progress
from .everyday import everyday_suite
from .multidoc import docs_suite
from .report import suite_figures, write_report
from .suites import fitzgov_suite, halueval_suite

THRESHOLDS = DATA_DIR / "thresholds.json"


def verdicts(item, ans, sources: dict[str, str]) -> dict:
    src = next(iter(sources.values()), "")
    r = metrics.retrieval_scores(item, ans.passages, src) if item.answerable else {}
    return {
        "id": item.id, "split": item.split, "category": item.category, "question": item.question,
        "understood_as": ans.question, "answerable": item.answerable, "reference": item.reference_answer,
        "answer": ans.text, "refused": ans.refused, "unsupported": ans.unsupported,
        "citations": [{"number": c.number, "source": c.source, "start": c.start, "end": c.end} for c in ans.citations],
        "retrieved": [[p.start, p.end] for p in ans.passages],
        "hit": r.get("hit"), "key_facts": None if ans.refused or not item.answerable else metrics.key_fact_score(item, ans.text),
        "refusal_ok": ans.refused != item.answerable,
        "latency_ms": round(ans.timings_ms.get("total", 0.0), 1),
    }


def scorer_accuracy(scorer) -> dict:
    out = {}
    for split in golden.SPLITS:
        labels = golden.support_labels(split)
        preds = [scorer.supports(d["sentence"], [d["passage"]]) for d in labels]
        out[split] = metrics.balanced_accuracy([d["supported"] for d in labels], preds)
    return {"balanced_accuracy": out, "threshold": scorer.threshold,
            "labelled_pairs": len(golden.support_labels("all"))}


def run(split: str = "test", answerer: str = "extractive", baseline: bool = True, judge: bool = False,
        index_dir: Path | None = None) -> dict:
    from rag import Chat
    from rag.answering.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        tmp_path = Path(index_dir or tmp)
        settings = Settings.from_env().with_(data_dir=tmp_path / "ours", answerer=answerer)
        seeds = sorted(settings.seeds_dir.glob("*.txt")) + sorted(settings.seeds_dir.glob("*.md"))
        sources = {p.name: p.read_text(encoding="utf-8") for p in seeds}
        t0 = time.perf_counter()
        engine = Engine(settings)
        engine.ask("warm-up question about the documents")  # load models before timing
        items = golden.questions(split)
        convs = golden.conversations(split)
        singles = [(item, engine.ask(item.question)) for item in progress(items, "questions")]
        side = variants(engine)
        by_rules = ask_with(engine, items, *side["rules"])
        by_learned = ask_with(engine, items, *side["learned"])
        turns = []
        for conv in progress(convs, "conversations"):
            chat = Chat(engine)
            turns += [(t, chat.ask(t.question)) for t in conv.turns]
        citations = SupportJudge(engine.embedder)  # the evaluation's own support checker, not the guard's
        results = {
            "config": {"split": split, "answerer": answerer, "top_k": settings.top_k,
                       "embeddings": engine.embedder.name, "questions": len(items), "conversations": len(convs)},
            **summarize(singles, sources, citations),
            "conversations": summarize(turns, sources, citations),
            "support_scorer": scorer_accuracy(engine.scorer),
            # the same questions with the hand-set rules for both judgments, and with the learned judge
            "rules": summarize(by_rules, sources, citations),
            "learned_judge": summarize(by_learned, sources, citations),
            "items": [verdicts(i, a, sources) for i, a in singles + turns],
        }
        if baseline:
            llm = engine.llm.client if answerer == "llm" else None
            plain = PlainLlamaIndex(seeds, tmp_path / "baseline", llm=llm)
            plain.ask("warm-up question about the documents")
            base = [(item, plain.ask(item.question)) for item in progress(items, "baseline")]
            base_turns = [(t, plain.ask(t.question)) for c in convs for t in c.turns]
            results["baseline"] = {**summarize(base, sources, citations),
                                   "conversations": summarize(base_turns, sources, citations),
                                   "description": plain.__doc__ or plain.name}
            results["baseline_items"] = [verdicts(i, a, sources) for i, a in base]
        if judge:
            results["judge"] = judge_answers(engine, singles)
            # the judge measured: its verdicts on labelled pairs beside the offline checker's
            results["judge"]["on_labelled_pairs"] = judge_pairs(engine, progress(golden.labelled_pairs(split), "judge check"))
        results["config"]["seconds"] = round(time.perf_counter() - t0, 1)
    return results


def print_summary(results: dict, out=sys.stdout) -> None:
    rows = [("retrieval", "hit_rate"), ("retrieval", "mrr"), ("retrieval", "recall"),
            ("retrieval", "mean_passage_chars"), ("answers", "key_fact_accuracy"), ("answers", "token_f1"),
            ("answers", "mean_words"), ("refusal", "negative_rejection"),
            ("refusal", "false_refusal"), ("citations", "validity"), ("citations", "recall"),
            ("citations", "precision"), ("latency", "p50_ms"), ("latency", "p95_ms")]
    base = results.get("baseline", {})
    print(f"{'metric':32s} {'ours':>9s} {'baseline':>9s}", file=out)
    for group, key in rows:
        ours = results[group][key]
        theirs = base.get(group, {}).get(key)
        fmt = (lambda v: f"{v:9.1f}") if group == "latency" or key.startswith("mean_") else (lambda v: f"{v:9.3f}")
        print(f"{group + '.' + key:32s} {fmt(ours)} {fmt(theirs) if theirs is not None else '        -'}", file=out)
    conv = results["conversations"]
    print(f"{'conversations.key_fact_accuracy':32s} {conv['answers']['key_fact_accuracy']:9.3f}", file=out)
    print(f"{'conversations.negative_rejection':32s} {conv['refusal']['negative_rejection']:9.3f}", file=out)
    g = results["guard"]
    if g["sentences_kept"] or g["sentences_removed"] or g["fallbacks"]:
        print(f"guard: {g['sentences_kept']} sentence(s) kept, {g['sentences_removed']} removed, "
              f"{g['fallbacks']} fallback(s) to quoting; verify p50 {g['verify_p50_ms']:.1f} ms", file=out)
    ba = results["support_scorer"]["balanced_accuracy"]
    print(f"support scorer balanced accuracy: dev {ba['dev']:.3f}, test {ba['test']:.3f}", file=out)


SUITES = ("article", "halueval", "fitzgov", "docs", "everyday")


def run_suites(names, split: str, sample: int, answerer: str = "extractive") -> dict:
    """The public-benchmark suites (eval/harness/suites.py, eval/harness/multidoc.py): learned judgments
    beside the rules."""
    from rag.guard.support import SupportScorer
    from rag.ingestion.embedding import make_embedder
    from rag.settings import Settings

    split = "test" if split == "all" else split
    embedder = make_embedder(Settings.from_env())
    learned = SupportScorer(embedder)
    out = {}
    if "halueval" in names:
        out["halueval"] = halueval_suite(split, sample, {"learned": learned, "rules": RuleScorer(embedder)})
    if "fitzgov" in names:
        out["fitzgov"] = fitzgov_suite(split, sample, {"learned": AnswerabilityJudge(), "rules": RulesJudge()},
                                       embedder, learned)
    if "docs" in names:
        out["docs"] = docs_suite(split, answerer)
    if "everyday" in names:
        out["everyday"] = everyday_suite(split, answerer)
    return out


def print_suites(suites: dict, out=sys.stdout) -> None:
    for name, res in suites.items():
        print(f"\n{name} ({res.get('split')} split):", file=out)
        for key, value in suite_figures(res).items():
            print(f"  {key:58s} {value:9.3f}", file=out)


def builtin_main(args) -> int:
    """`rag eval` on the built-in sets (--split, --suite, --sample, --judge): run, write, print, gate."""
    from rag.errors import BadInput

    args.answerer = args.answerer or "extractive"
    if args.answerer == "auto":
        raise BadInput("the built-in sets take --answerer extractive or llm")
    if args.answerer == "llm":
        from rag.settings import Settings

        if not Settings.from_env().llm_configured:
            raise BadInput("--answerer llm needs OPENAI_API_KEY or RAG_LLM_BASE_URL")
    out = Path(args.out or "eval/out")
    out.mkdir(parents=True, exist_ok=True)
    suite = getattr(args, "suite", "article")
    suites = SUITES if suite == "all" else (suite,)
    t0 = time.perf_counter()
    results = run(args.split, args.answerer, baseline=not args.no_baseline, judge=args.judge) \
        if "article" in suites else {"config": {"split": args.split, "answerer": args.answerer}}
    results["suites"] = run_suites(suites, args.split, getattr(args, "sample", 200), args.answerer)
    results["config"]["seconds"] = round(time.perf_counter() - t0, 1)
    changes = compare(results, Path(args.compare)) if args.compare else None
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    write_report(results, out / "report.html", changes)
    if "article" in suites:
        print_summary(results)
    print_suites(results["suites"])
    if changes is not None:
        print_changes(changes, args.compare)
    print(f"\nwrote {out / 'results.json'} and {out / 'report.html'} in {results['config']['seconds']} s")
    if args.gate:
        if args.gate is True:
            return check_gate(results, json.loads(THRESHOLDS.read_text(encoding="utf-8")), "eval/data/thresholds.json")
        return check_gate(results, parse_thresholds(args.gate))
    return 0
