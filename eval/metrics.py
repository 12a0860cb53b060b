"""Offline metrics: retrieval, answers, refusals, citations (ALCE-style) and latency.

Each function takes plain values (items, answers, passages) and returns
numbers in [0, 1] (latency in ms), so the baseline and our pipeline are scored
by the same code; summarize gathers them for a list of (item, answer) records,
as every suite of the harness reports them.
"""

from __future__ import annotations

import re
from collections import Counter

from rag.text import normalize, split_claims, stem, strip_citations
from rag.values import CANONICAL_KINDS, canonical


def span_ranges(spans, source: str) -> list[tuple[int, int]]:
    out = []
    for s in spans:
        at = source.find(s)
        if at >= 0:
            out.append((at, at + len(s)))
    return out


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def retrieval_scores(item, passages, source: str) -> dict:
    """hit (any relevant passage retrieved), reciprocal rank, recall of supporting spans."""
    gold = span_ranges(item.supporting_spans, source)
    if not gold:
        return {}
    ranks = [i for i, p in enumerate(passages, start=1) if any(overlaps((p.start, p.end), g) for g in gold)]
    covered = sum(any(overlaps((p.start, p.end), g) for p in passages) for g in gold)
    return {"hit": float(bool(ranks)), "rr": 1.0 / ranks[0] if ranks else 0.0, "recall": covered / len(gold)}


FACT_KINDS = (*CANONICAL_KINDS, "version")  # a version too: "v2.4.1" is the fact "2.4.1"


def fact_found(fact: str, answer: str) -> bool:
    """Does the answer hold one of the fact's alternatives ("hug | embrace"), as whole words compared
    by their stems, so that "hug" is found in "rare hugs" and "drill" in "naval drills"? Values are
    compared in their normal form too (rag.values.canonical), so that "40 min" is found in "40
    minutes", "22:00" in "10 pm", "EUR 4,500" in "4500 euros" and "2.4.1" in "v2.4.1"."""
    for read in (_stems, lambda t: _stems(canonical(t, FACT_KINDS))):
        text = f" {read(answer)} "
        if any(f" {alt} " in text for alt in map(read, fact.split("|")) if alt):
            return True
    return False


# A number with its decimal points or colons is one word ("2.4.1", "12.50", "10:30"), so that a
# fact "2.4" is not found in an answer giving the neighbouring "2.4.1", nor "12" in "12.50".
_DOTTED_NUMBER = re.compile(r"(\d+(?:[.:]\d+)+)")


def _stems(text: str) -> str:
    parts = _DOTTED_NUMBER.split(text)
    words = [w for i, part in enumerate(parts) for w in ([part] if i % 2 else normalize(part).split())]
    return " ".join(stem(w) for w in words)


def key_fact_score(item, answer_text: str) -> float:
    if not item.key_facts:
        return 1.0
    return sum(fact_found(f, answer_text) for f in item.key_facts) / len(item.key_facts)


def token_f1(prediction: str, reference: str) -> float:
    pred = normalize(strip_citations(prediction)).split()
    ref = normalize(reference).split()
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if not pred or not ref or same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def citation_scores(answer, sources: dict[str, str], scorer) -> dict:
    """Per answer: markers and valid markers; sentences and supported sentences (ALCE
    recall); citations and needed citations (ALCE precision). `scorer.supports(sentence,
    passages)` judges support: the evaluation's own (eval.judges.support), never the guard's."""
    by_number = {c.number: c for c in answer.citations}
    retrieved = {p.number for p in answer.passages}
    markers = [int(n) for n in re.findall(r"\[(\d{1,3})\]", answer.text)]
    valid = 0
    for n in markers:
        c = by_number.get(n)
        src = sources.get(c.source) if c else None
        if c and n in retrieved and src is not None and src[c.start:c.end] == c.text:
            valid += 1
    sentences = supported = cites = needed = 0
    for sentence, numbers in split_claims(answer.text):
        texts = {n: by_number[n].text for n in dict.fromkeys(numbers) if n in by_number}
        sentences += 1
        whole = scorer.supports(sentence, list(texts.values())) if texts else False
        supported += whole
        for n in texts:
            cites += 1
            alone = scorer.supports(sentence, [texts[n]])
            rest = [t for m, t in texts.items() if m != n]
            # ALCE: a citation is irrelevant when it cannot support the sentence alone
            # and the others support it without it.
            irrelevant = not alone and whole and bool(rest) and scorer.supports(sentence, rest)
            needed += not irrelevant and (alone or whole)
    return {"markers": len(markers), "valid": valid, "sentences": sentences, "supported": supported,
            "citations": cites, "needed": needed}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def balanced_accuracy(labels: list[bool], predictions: list[bool]) -> float:
    pos = [p for l, p in zip(labels, predictions) if l]
    neg = [not p for l, p in zip(labels, predictions) if not l]
    return (mean(pos) + mean(neg)) / 2


def flatten(d: dict, prefix: str = "") -> dict[str, float]:
    """Nested numbers as {"a.b.c": value}; text and booleans left out."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[key] = float(v)
    return out


def summarize(records: list[tuple], sources: dict[str, str], scorer) -> dict:
    """records: (item, answer) pairs -> nested metrics, as results.json holds them. Citation
    support is judged by `scorer`: the evaluation's own (eval.judges.support.SupportJudge)."""
    retrieval, facts, f1s, cites = [], [], [], []
    answerable = [(i, a) for i, a in records if i.answerable]
    unanswerable = [(i, a) for i, a in records if not i.answerable]
    for item, ans in records:
        src = sources.get(ans.passages[0].source, "") if ans.passages else next(iter(sources.values()), "")
        if item.answerable:
            r = retrieval_scores(item, ans.passages, src)
            if r:
                retrieval.append(r)
            facts.append(0.0 if ans.refused else key_fact_score(item, ans.text))
            f1s.append(0.0 if ans.refused else token_f1(ans.text, item.reference_answer))
        if not ans.refused:
            cites.append(citation_scores(ans, sources, scorer))
    total = lambda key: sum(c[key] for c in cites)  # noqa: E731
    kept = sum(len(split_claims(a.text)) for _, a in records if not a.refused and a.answerer == "llm")
    latencies = {stage: [a.timings_ms[stage] for _, a in records if stage in a.timings_ms]
                 for stage in ("retrieve", "answer", "verify", "total")}
    return {
        "count": {"questions": len(records), "answerable": len(answerable), "unanswerable": len(unanswerable)},
        "retrieval": {"hit_rate": mean(r["hit"] for r in retrieval),
                      "mean_passage_chars": mean(len(p.text) for _, a in records for p in a.passages),
                      "mrr": mean(r["rr"] for r in retrieval),
                      "recall": mean(r["recall"] for r in retrieval)},
        "answers": {"key_fact_accuracy": mean(facts), "token_f1": mean(f1s),
                    "all_facts_rate": mean(f == 1.0 for f in facts),
                    # long answers find key facts more easily: show the length beside them
                    "mean_words": mean(len(strip_citations(a.text).split()) for _, a in records if not a.refused)},
        "refusal": {"negative_rejection": mean(a.refused for _, a in unanswerable),
                    "false_refusal": mean(a.refused for _, a in answerable)},
        "citations": {"validity": total("valid") / total("markers") if total("markers") else 0.0,
                      "recall": total("supported") / total("sentences") if total("sentences") else 0.0,
                      "precision": total("needed") / total("citations") if total("citations") else 0.0},
        # what the citation guard did to generated answers (all zero for the extractive answerer)
        "guard": {"sentences_kept": kept, "sentences_removed": sum(len(a.unsupported) for _, a in records),
                  "fallbacks": sum("instead" in a.notice for _, a in records),
                  "verify_p50_ms": percentile(latencies["verify"], 0.5)},
        "latency": {"p50_ms": percentile(latencies["total"], 0.5),
                    "p95_ms": percentile(latencies["total"], 0.95),
                    "stages": {s: {"p50_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
                               for s, v in latencies.items() if v and s != "total"}},
    }
