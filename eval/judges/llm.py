"""Optional LLM-judge scores (faithfulness, correctness) beside the offline metrics.

Uses llama-index's FaithfulnessEvaluator and CorrectnessEvaluator with the
configured LLM (OpenAI or an OpenAI-compatible server). Offline metrics are
never replaced by these; a judge failure is reported, not fatal.

A judge's scores mean little until the judge itself is measured, so
`judge_pairs` puts its faithfulness verdicts on labelled sentence/passage pairs
(eval/data/support_labels.jsonl, the chosen split) beside our offline checker's
(rag.check) on the same pairs: how many supported sentences each accepts and
how many unsupported ones each rejects.
"""

from __future__ import annotations

from .. import metrics


def judge_answers(engine, records) -> dict:
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    from rag.errors import BackendUnavailable

    if not engine.settings.llm_configured:
        raise BackendUnavailable("--judge needs OPENAI_API_KEY or RAG_LLM_BASE_URL")
    llm = engine.llm.client
    faithful, correct, errors = [], [], 0
    faith_eval, correct_eval = FaithfulnessEvaluator(llm=llm), CorrectnessEvaluator(llm=llm)
    for item, ans in records:
        if ans.refused:
            continue
        try:
            contexts = [c.text for c in ans.citations] or [p.text for p in ans.passages]
            faithful.append(float(faith_eval.evaluate(response=ans.text, contexts=contexts).passing))
            if item.answerable:
                r = correct_eval.evaluate(query=item.question, response=ans.text, reference=item.reference_answer)
                correct.append((r.score or 0.0) / 5.0)
        except Exception:  # a judge that fails on one answer must not stop the run
            errors += 1
    return {"faithfulness": metrics.mean(faithful), "correctness": metrics.mean(correct),
            "judged": len(faithful), "errors": errors, "model": engine.llm.label}


def judge_pairs(engine, pairs) -> dict:
    """The LLM judge and the offline checker on the same labelled pairs (Pair: claim, passages, supported)."""
    from llama_index.core.evaluation import FaithfulnessEvaluator

    from rag.guard.check import check

    evaluator = FaithfulnessEvaluator(llm=engine.llm.client)
    labels, by_judge, by_checker, errors = [], [], [], 0
    for p in pairs:
        try:
            verdict = evaluator.evaluate(response=p.claim, contexts=list(p.passages)).passing
        except Exception:  # noqa: BLE001 - counted, not fatal
            errors += 1
            continue
        labels.append(p.supported)
        by_judge.append(bool(verdict))
        by_checker.append(check(p.claim, list(p.passages), p.question, scorer=engine.scorer).supported)

    def scores(preds):
        right = [x for x, y in zip(preds, labels) if y]
        wrong = [x for x, y in zip(preds, labels) if not y]
        return {"balanced_accuracy": metrics.balanced_accuracy(labels, preds) if labels else None,
                "accepted_supported": metrics.mean(right), "rejected_unsupported": metrics.mean(not x for x in wrong)}

    return {"pairs": len(labels), "supported": sum(labels), "errors": errors,
            "llm_judge": scores(by_judge), "offline_checker": scores(by_checker)}
