"""`rag eval --questions FILE | --feedback | --generate N`: the user's own evaluation from the command line.

Writes OUT/results.json and OUT/report.html like the built-in suites, prints the figures of
every origin side by side, and with --gate exits 1 when a figure crosses a threshold;
--generate writes a questions file to review instead (eval/harness/generate.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.errors import BadInput

from .gate import check_gate, parse_thresholds, print_changes
from .own import evaluate, metric_names
from .report import write_cases_report

# --gate alone on the user's cases: every case should pass and every citation be exact
DEFAULT_GATE = {"min": {"cases.pass_rate": 0.8, "citations.validity": 1.0}, "max": {}}
SHOWN = [("cases", "pass_rate"), ("answers", "key_fact_accuracy"), ("answers", "all_facts_rate"),
         ("refusal", "negative_rejection"), ("refusal", "false_refusal"), ("sources", "hit_rate"),
         ("sources", "citation_precision"), ("sources", "citation_recall"), ("citations", "validity"),
         ("citations", "recall"), ("feedback", "approved_held"), ("feedback", "rejected_changed"),
         ("guard", "sentences_removed"), ("latency", "p50_ms"), ("latency", "p95_ms")]


def print_figures(results: dict, out=sys.stdout) -> None:
    groups = {"all": results, **results.get("by_origin", {})}
    print(f"{'figure':30s}" + "".join(f"{name:>10s}" for name in groups), file=out)
    counts = {name: r["count"]["cases"] for name, r in groups.items()}
    print(f"{'cases':30s}" + "".join(f"{n:10d}" for n in counts.values()), file=out)
    for g, k in SHOWN:
        values = [r[g][k] for r in groups.values()]
        fmt = "{:10.0f}" if g in ("latency", "guard") else "{:10.3f}"
        print(f"{g + '.' + k:30s}" + "".join(f"{'-':>10s}" if v is None else fmt.format(v) for v in values),
              file=out)


def evaluate_main(args) -> int:
    from .gate import compare

    thresholds = None
    if args.gate:  # read before the run: a typo in a threshold should not cost a whole run
        thresholds = DEFAULT_GATE if args.gate is True else parse_thresholds(args.gate, metric_names())
    if args.compare and not (Path(args.compare) / "results.json").is_file():
        raise BadInput(f"--compare: no results.json in {args.compare}")
    if args.answerer == "llm":
        from rag.settings import Settings

        if not Settings.from_env().llm_configured:
            raise BadInput("--answerer llm needs an LLM: set RAG_LLM_BASE_URL (e.g. `rag serve-llm`) or OPENAI_API_KEY")
    results = evaluate(args.questions, collection=args.collection, feedback=args.feedback, answerer=args.answerer)
    out = Path(args.out or "eval/out")
    out.mkdir(parents=True, exist_ok=True)
    changes = compare(results, Path(args.compare)) if args.compare else None
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    write_cases_report(results, out / "report.html", changes)
    print_figures(results)
    failed = [it for it in results["items"] if not it["passed"]]
    for it in failed[:10]:
        why = ", ".join(k for k, v in it["checks"].items() if v is False)
        where = f"line {it['line']}" if it["line"] else it["id"]
        print(f"  failed ({why}): {where}: {it['question']}")
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more in the report")
    if changes is not None:
        print_changes(changes, args.compare)
    print(f"\nwrote {out / 'results.json'} and {out / 'report.html'} in {results['config']['seconds']} s")
    return 0 if thresholds is None else check_gate(results, thresholds)


def generate_main(args) -> int:
    from rag.progress import tqdm_progress
    from rag.settings import Settings

    from .generate import generate

    if not args.out:
        raise BadInput("--generate needs --out FILE: the questions file to write (then review it)")
    settings = Settings.from_env()
    if args.collection:
        settings = settings.with_(collection=args.collection)
    if args.answerer == "llm" and not settings.llm_configured:
        raise BadInput("--answerer llm needs an LLM: set RAG_LLM_BASE_URL (e.g. `rag serve-llm`) or OPENAI_API_KEY")
    # --answerer extractive: probes only, even with an LLM configured
    report = generate(args.generate, Path(args.out), settings=settings, overwrite=args.overwrite,
                      llm=False if args.answerer == "extractive" else None, progress=tqdm_progress("generating", unit="case"))
    print(report)
    return 0
