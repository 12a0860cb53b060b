"""The user's own evaluation: questions files and ratings run against a collection.

    from eval.harness.own import evaluate
    results = evaluate("my_questions.jsonl", collection="contracts")
    results["answers"]["key_fact_accuracy"], results["cases"]["pass_rate"]

Each case is asked as the product asks it (rag's Engine and Chat, the collection's index as
it is; nothing is written to it), and scored by the metrics of the built-in suites
(eval.metrics.summarize) plus what a questions file adds:
  sources     the expected documents among the retrieved passages (hit rate, MRR) and among
              the citations (precision: cited passages from an expected document; recall:
              expected documents cited)
  feedback    approved answers whose facts and documents held; rejected answers that changed
              or became refusals
  cases       per case a pass (right to answer or refuse, every key fact, an expected document
              cited, a rejected answer not given again) and the pass rate
and each of these again per origin (hand-written, LLM-drafted, probe, rating), side by side.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rag.errors import BadInput, IndexNotBuilt
from rag.text import normalize, strip_citations

from .. import metrics
from ..metrics import summarize
from ..judges.support import SupportJudge
from .cases import Case, read_cases
from .feedback import feedback_cases
from .progress import progress


def _named(expected: tuple[str, ...], source: str) -> bool:
    return any(Path(e).name == source for e in expected)


def source_scores(expected: tuple[str, ...], ans) -> dict:
    """Retrieval and citations against the expected documents (file names)."""
    ranks = [i for i, p in enumerate(ans.passages, start=1) if _named(expected, p.source)]
    cited = {c.source for c in ans.citations}
    return {"hit": float(bool(ranks)), "rr": 1.0 / ranks[0] if ranks else 0.0,
            "cited_right": sum(_named(expected, s) for s in cited), "cited": len(cited),
            "expected_cited": sum(Path(e).name in cited for e in expected), "expected": len(expected)}


def changed(rejected: str, ans) -> bool:
    """Did the answer change from a rejected one (or become a refusal)?"""
    return ans.refused or normalize(strip_citations(ans.text)) != normalize(strip_citations(rejected))


def verdict(case: Case, n: int, ans) -> dict:
    item, expected, rejected = case.turns[n], case.sources[n], case.rejected[n]
    graded = case.is_graded(n)
    facts = None if ans.refused or not item.answerable or not item.key_facts else metrics.key_fact_score(item, ans.text)
    src = source_scores(expected, ans) if expected and item.answerable else None
    checks = {"refusal": ans.refused != item.answerable if graded else None,
              "key_facts": None if not graded or not item.answerable or not item.key_facts else facts == 1.0,
              "source_cited": None if src is None or ans.refused else src["expected_cited"] > 0,
              "changed": changed(rejected, ans) if rejected else None}
    return {
        "id": item.id, "case": case.id, "line": case.line, "made_by": case.made_by, "category": case.made_by, "note": case.note,
        "question": item.question, "understood_as": ans.question, "answerable": item.answerable if graded else None,
        "reference": item.reference_answer, "key_fact_list": list(item.key_facts), "sources": list(expected),
        "rejected": rejected,
        "answer": ans.text, "refused": ans.refused, "unsupported": ans.unsupported,
        "citations": [{"number": c.number, "source": c.source, "start": c.start, "end": c.end} for c in ans.citations],
        "hit": None if src is None else src["hit"], "key_facts": facts,
        "refusal_ok": checks["refusal"] is not False, "checks": checks,
        "passed": all(v is not False for v in checks.values()),
        "latency_ms": round(ans.timings_ms.get("total", 0.0), 1), "_src": src,
    }


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _mean(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def summary(records: list[tuple], verdicts: list[dict], sources: dict[str, str], scorer) -> dict:
    """The built-in metrics over the graded questions, with the sources, feedback and pass
    figures. A figure nothing measured (no unanswerable question, no rating...) is None: shown
    as "-", and a --gate naming it fails as missing rather than passing on an empty mean."""
    graded = [(i, a) for (i, a), v in zip(records, verdicts) if v["answerable"] is not None]
    out = summarize(graded, sources, scorer)
    n = out["count"]
    if not n["unanswerable"]:
        out["refusal"]["negative_rejection"] = None
    if not n["answerable"]:
        out["refusal"]["false_refusal"] = None
        out["answers"].update(key_fact_accuracy=None, token_f1=None, all_facts_rate=None)
    with_spans = any(i.supporting_spans for i, _ in graded)
    if not with_spans:  # a questions file names documents, not spans: see "sources" instead
        out["retrieval"] = {k: None for k in out["retrieval"]}
    sourced = [v for v in verdicts if v["_src"] is not None]
    cited = [v["_src"] for v in sourced if not v["refused"]]
    out["sources"] = {"questions": len(sourced), "hit_rate": _mean(v["_src"]["hit"] for v in sourced),
                      "mrr": _mean(v["_src"]["rr"] for v in sourced),
                      "citation_precision": _ratio(sum(s["cited_right"] for s in cited), sum(s["cited"] for s in cited)),
                      "citation_recall": _ratio(sum(s["expected_cited"] for s in cited), sum(s["expected"] for s in cited))}
    fb = [v for v in verdicts if v["made_by"] == "feedback"]
    approved = [v for v in fb if v["checks"]["changed"] is None]
    rejected = [v for v in fb if v["checks"]["changed"] is not None]
    out["feedback"] = {"approved": len(approved), "approved_held": _mean(v["passed"] for v in approved),
                       "rejected": len(rejected), "rejected_changed": _mean(v["checks"]["changed"] for v in rejected)}
    by_case: dict[str, bool] = {}
    for v in verdicts:  # a conversation passes when every turn does
        by_case[v["case"]] = by_case.get(v["case"], True) and v["passed"]
    n["cases"] = len(by_case)
    out["cases"] = {"passed": sum(by_case.values()), "pass_rate": _mean(by_case.values()),
                    "questions_passed": sum(v["passed"] for v in verdicts)}
    return out


def metric_names() -> list[str]:
    """Every figure a --gate may name ("answers.key_fact_accuracy", ...)."""
    figures = summary([], [], {}, None)
    return sorted(f"{g}.{k}" for g, d in figures.items() for k, v in d.items() if not isinstance(v, dict))


def _engine_for(collection: str | None, engine):
    from rag import default_engine
    from rag.index.store import empty_collection

    eng = default_engine(collection) if engine is None else engine.for_collection(collection)
    if eng.store.count() == 0:
        raise empty_collection(eng.store)
    return eng


def _check_sources(cases: list[Case], engines: dict, default: str) -> None:
    """Every expected source must be a document of the case's collection: a misspelt name
    would otherwise fail its cases quietly."""
    errors = []
    for case in cases:
        name = case.collection or default
        held = {Path(p).name for p in engines[name].documents()}
        for expected in case.sources:
            for doc in expected:
                if Path(doc).name not in held:
                    where = f"line {case.line}" if case.line else case.id
                    errors.append(f"{where}: {doc!r} is not a document of collection {name}")
    if errors:
        hint = "" if default == "default" else f" --collection {default}"
        raise BadInput("\n  ".join(errors[:20]) + f"\n  (`rag sources{hint}` lists the documents)")


def _load(questions, feedback: bool, collection: str | None, store) -> list[Case]:
    """The cases of the questions file and, with `feedback`, of the stored ratings."""
    cases: list[Case] = read_cases(questions).cases if questions else []
    if feedback:
        if store is None:
            from rag.chats import ChatStore

            store = ChatStore.for_settings()
        rated = feedback_cases(store, collection)
        if not rated and not cases:
            where = f" in collection {collection}" if collection else ""
            raise BadInput(f"no rated answers{where} yet: rate answers in the window (👍/👎), "
                           f"with /up and /down in `rag chat`, or with `rag feedback`")
        cases += rated
    if not cases:
        raise BadInput("nothing to evaluate: give --questions FILE and/or --feedback")
    return cases


def _engines(cases: list[Case], default: str, engine) -> tuple[dict, dict[str, int]]:
    """An engine per collection the cases are asked in, and the cases skipped per collection
    (ratings of a collection deleted or emptied since: said, not fatal)."""
    engines = {default: _engine_for(default, engine)} if any(c.collection is None for c in cases) else {}
    skipped: dict[str, int] = {}
    for name in dict.fromkeys(c.collection for c in cases if c.collection and c.collection not in engines):
        try:
            engines[name] = _engine_for(name, engine)
        except (BadInput, IndexNotBuilt) as exc:
            skipped[name] = sum(c.collection == name for c in cases)
            print(f"rag: skipping {skipped[name]} rating(s) of collection {name}: {exc}", file=sys.stderr)
    return engines, skipped


def _ask(cases: list[Case], engines: dict, default: str, answerer, top_k) -> tuple[list, list]:
    """Every turn of every case asked through the public API: (item, answer) records and verdicts."""
    from rag import Chat

    records, verdicts, chat = [], [], None
    for case, n, item in progress([(c, n, t) for c in cases for n, t in enumerate(c.turns)], "questions"):
        eng = engines[case.collection or default]
        if n == 0:  # a conversation's turns are asked in one Chat, as follow-ups
            chat = Chat(eng, answerer=answerer) if case.conversation else None
        ans = chat.ask(item.question, top_k=top_k) if chat else eng.ask(item.question, answerer=answerer, top_k=top_k)
        records.append((item, ans))
        verdicts.append(verdict(case, n, ans))
    return records, verdicts


def _source_texts(records) -> dict[str, str]:
    """The text each passage points into (for PDFs and office files: the extracted text), read
    once per document, for the citation checks of eval.metrics."""
    sources: dict[str, str] = {}
    for _, ans in records:
        for p in ans.passages:
            if p.source not in sources and p.path and Path(p.path).is_file():
                sources[p.source] = Path(p.path).read_text(encoding="utf-8")
    return sources


def evaluate(questions: str | Path | None = None, *, collection: str | None = None, feedback: bool = False,
             answerer: str | None = None, top_k: int | None = None, engine=None, store=None) -> dict:
    """Run a questions file and/or the stored ratings (`feedback`) and score them: results as
    `rag eval --questions` writes them to results.json. `collection`: where the file's questions
    are asked (default: RAG_COLLECTION, else "default") and, with `feedback`, which ratings run
    (default: all, each in its own collection). BadInput for a bad file, an unknown collection
    or no cases at all; IndexNotBuilt for an empty collection."""
    from rag.settings import Settings

    cases = _load(questions, feedback, collection, store)
    default = collection or Settings.from_env().collection
    engines, skipped = _engines(cases, default, engine)
    cases = [c for c in cases if (c.collection or default) in engines]
    if not cases:
        raise BadInput("nothing left to evaluate: every rating's collection is gone or empty")
    _check_sources(cases, engines, default)
    t0 = time.perf_counter()
    records, verdicts = _ask(cases, engines, default, answerer, top_k)
    sources = _source_texts(records)
    first = next(iter(engines.values()))
    scorer = SupportJudge(first.embedder)  # the evaluation's own support checker, never the guard's
    results = {"config": {"questions_file": str(questions) if questions else None, "feedback": feedback,
                          "collection": default, "collections": sorted(engines), "skipped": skipped,
                          "answerer": answerer or first.settings.answerer,
                          "cases": len(cases), "turns": len(records), "seconds": round(time.perf_counter() - t0, 1)},
               **summary(records, verdicts, sources, scorer)}
    origins = dict.fromkeys(v["made_by"] for v in verdicts)
    if len(origins) > 1:
        results["by_origin"] = {o: summary([r for r, v in zip(records, verdicts) if v["made_by"] == o],
                                           [v for v in verdicts if v["made_by"] == o], sources, scorer)
                                for o in origins}
    results["items"] = [{k: v for k, v in d.items() if k != "_src"} for d in verdicts]
    return results
