"""Optional LLM-judge scores (faithfulness, correctness) beside the offline metrics.

Uses llama-index's FaithfulnessEvaluator and CorrectnessEvaluator with the
configured LLM (OpenAI or an OpenAI-compatible server). Offline metrics are
never replaced by these; a judge failure is reported, not fatal.
"""

from __future__ import annotations

from . import metrics


def judge_answers(engine, records) -> dict:
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    from rag.errors import BackendUnavailable

    if not engine.settings.llm_configured:
        raise BackendUnavailable("--judge needs OPENAI_API_KEY or RAG_LLM_BASE_URL")
    llm = engine.llm._llm
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
