"""`rag eval --generate N`: draft a questions file (the format of `rag eval --questions`) from the
documents of a collection, for a person to review before it is used.

Two kinds of case, one JSON line each: answerable cases drafted by the LLM from sampled
passages (eval/harness/drafts.py), the passage riding along so a reviewer can check it; and
unanswerable probes, made without a model from the collection's own names
(eval/harness/probes.py). The file is written as cases are made, so an LLM that fails half-way
leaves every case made so far.

Left out: conversations (several turns), questions that need several passages, and any judgement
of whether a question is a good one beyond the checks above: the file is a draft to review.
"""

# Hand-written rather than llama-index's RagDatasetGenerator (not installed here either): that
# one needs an LLM for every case, does not check that the answer is in the passage, samples
# passages in index order rather than across documents, and makes no unanswerable probes.

from __future__ import annotations

import json
import time
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Callable

from rag.errors import BadInput, RagError
from rag.settings import Settings

from .drafts import ConfiguredLLM, draft_cases
from .generation import Doc, GenerateReport, GenerationStopped
from .probes import probe_questions

PROBE_SHARE = 5  # with an LLM, about one case in PROBE_SHARE is a probe unless `probes` says


def generate(n: int, out: Path, *, settings: Settings, llm=None, probes: int | None = None,
             progress: Callable[[int, int], None] | None = None, seed: int = 0,
             overwrite: bool = False) -> GenerateReport:
    """Write up to `n` cases for `settings.collection` to `out` and say what was made.

    `llm`: an object with `.complete(prompt)`; None uses the configured LLM if there is one;
    False makes probes only. `probes`: how many of the n are probes when there is an LLM (default:
    about one in five; without an LLM all are). An existing non-empty `out` is kept unless `overwrite`.
    BadInput for an unknown collection, IndexNotBuilt for an empty one; GenerationStopped (its `.report` attached) when
    the LLM fails part-way, the cases made so far left in `out`."""
    started = time.perf_counter()
    if n < 1:
        raise BadInput(f"--generate takes how many cases to make (at least 1), got {n}")
    out = Path(out)
    if not overwrite and out.exists() and out.stat().st_size > 0:
        raise BadInput(f"refusing to overwrite {out}, which is not empty: choose another --out file or delete it first")
    docs = _documents(settings)
    if llm is None and settings.llm_configured:
        llm = ConfiguredLLM(settings)
    elif llm is False:
        llm = None
    n_probes = n if llm is None else max(0, min(n, round(n / PROBE_SHARE) if probes is None else probes))
    model = (getattr(llm, "model", None) or type(llm).__name__) if llm else None
    report = GenerateReport(out, n, model)
    try:
        fh = out.open("w", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write {out}: {exc.strerror or exc}") from None

    def write(kind: str, question: str, note: str, facts=(), sources=(), passage: str | None = None) -> None:
        report.written += 1
        case = {"id": f"{kind}-{report.written:03d}", "question": question, "answerable": kind == "llm",
                "key_facts": list(facts), "sources": list(sources), "made_by": kind, "note": note}
        if passage is not None:
            case["passage"] = passage
        fh.write(json.dumps(case, ensure_ascii=False) + "\n")
        fh.flush()
        if progress:
            progress(report.written, n)

    with fh:
        made_by = f"drafted by {model}, and probes" if llm else "probes only: no LLM"
        fh.write(f"# made by `rag eval --generate {n}` from collection {settings.collection} on "
                 f"{datetime.now():%Y-%m-%d %H:%M} ({made_by}, seed {seed}). Review each line before use: an "
                 f"answerable question must be answerable from its passage alone, with right key_facts; a probe "
                 f"must stay unanswerable; fix or delete lines, then run `rag eval --questions {out}`.\n")
        fh.flush()
        if progress:
            progress(0, n)
        for question, note in islice(probe_questions(docs, seed), n_probes):
            write("probe", question, note)
            report.probes += 1
        if llm is not None:
            try:
                draft_cases(llm, docs, n - report.probes, seed, report, write)
            except RagError as exc:
                report.stopped_by = str(exc)
    report.seconds = time.perf_counter() - started
    if report.stopped_by:
        raise GenerationStopped(report)
    if report.written == 0:
        out.unlink(missing_ok=True)  # a file of no case is no test set
        raise BadInput(_nothing_made(settings.collection, report))
    return report


def _nothing_made(collection: str, report: GenerateReport) -> str:
    """Why no case could be made, and how to get cases."""
    if report.model:
        why = (f"none of the {report.drafted} drafts by {report.model} passed the checks "
               f"({', '.join(f'{n} {why}' for why, n in report.rejected.most_common()) or 'no draft'})")
    else:
        why = ("without an LLM only unanswerable probes can be made, and they need names of people, places or "
               "bodies in the documents' running text, which these documents do not have")
    return (f"no case could be made from collection {collection}: {why}. To get answerable cases, start a "
            f"local model (`rag serve-llm`, then set RAG_LLM_BASE_URL to the address it prints) or set "
            f"OPENAI_API_KEY, and run this again; or write the questions yourself (docs/evaluate.md)")


def _documents(settings: Settings) -> list[Doc]:
    """The collection's documents, each with its chunks in document order; BadInput when the
    collection does not exist or holds nothing."""
    from rag.index.store import empty_collection, open_store

    store = open_store(settings)
    if store.count() == 0:
        raise empty_collection(store)
    by_path: dict[str, list] = {}
    for node in store.nodes():
        by_path.setdefault(node.metadata.get("path", ""), []).append(node)
    docs = []
    for path in sorted(by_path):
        nodes = sorted(by_path[path], key=lambda x: (x.metadata.get("start", 0), x.metadata.get("end", 0)))
        name = nodes[0].metadata.get("source") or Path(path).name
        docs.append(Doc(name, tuple(x.get_content() for x in nodes)))
    return docs
