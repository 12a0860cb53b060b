"""The everyday suite: answers on the documents people keep, not only news prose.

Twenty-six documents of thirteen genres (timetables, contact pages, manuals with fault codes,
release notes, recipes, contracts, policies, minutes, FAQs, spreadsheets, slide decks, news,
notices) in the formats the product reads, with 234 hand-written questions of seventeen answer
types, a quarter unanswerable, most of those near misses (eval/data/everyday/README.md). The
split is by document, one of each genre's two in dev and the other in test, fixed by a coin flip
before any answer was seen. Every document is indexed in every run, so each question is answered
against all twenty-six, through the public Engine and Chat.

Reported beside the usual metrics (eval.metrics.summarize): per answer type and per genre, the
share of answerable questions answered with every key fact ("answered"), of unanswerable ones
refused, and of answerable ones refused ("false_refusal").

    python -m eval.harness.everyday --split dev [--answerer llm] [--failures]
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from ..judges.support import SupportJudge
from ..metrics import key_fact_score, mean, summarize
from .golden import DATA_DIR, Item

EVERYDAY = DATA_DIR / "everyday"
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".csv", ".docx", ".xlsx", ".pptx", ".pdf")


def documents(folder: Path = EVERYDAY) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in DOCUMENT_SUFFIXES and p.name != "README.md")


def _item(d: dict, split: str, **extra) -> Item:
    return Item(id=d.get("id", ""), split=split, question=d["question"], answerable=bool(d["answerable"]),
                reference_answer=d.get("reference_answer", ""), key_facts=tuple(d.get("key_facts", [])),
                supporting_spans=tuple(d.get("supporting_spans", [])), category=d.get("answer_type", ""), **extra)


def questions(split: str) -> list[tuple[Item, dict]]:
    """(Item, its line: doc, genre, answer_type) for the split ("all": both)."""
    with open(EVERYDAY / "questions.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(_item(d, d["split"]), d) for d in rows if split in ("all", d["split"])]


def conversations(split: str) -> list[tuple[str, list[tuple[Item, dict]]]]:
    with open(EVERYDAY / "conversations.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(c["id"], [(_item(t | {"id": f"{c['id']}.{n}"}, c["split"], conversation=c["id"], turn=n),
                        {"doc": c["doc"], "genre": c["genre"], **t}) for n, t in enumerate(c["turns"], 1)])
            for c in rows if split in ("all", c["split"])]


def verdict(item: Item, answer) -> dict:
    """One answer judged: answered rightly (every key fact, not refused), refused."""
    facts = 0.0 if answer.refused else key_fact_score(item, answer.text)
    return {"refused": answer.refused, "facts": facts, "right": (not answer.refused and facts == 1.0)
            if item.answerable else answer.refused}


def breakdown(rows: list[tuple[Item, dict, dict]], key: str) -> dict:
    """Per value of `key` (answer_type, genre): answered, refused when unanswerable, false refusals."""
    groups: dict[str, list] = defaultdict(list)
    for item, line, v in rows:
        groups[line[key]].append((item, v))
    return {name: _shares(pairs) for name, pairs in sorted(groups.items())}


def _shares(pairs) -> dict:
    yes = [v for i, v in pairs if i.answerable]
    no = [v for i, v in pairs if not i.answerable]
    out = {"questions": len(pairs)}
    if yes:
        out |= {"answered": mean(v["right"] for v in yes), "false_refusal": mean(v["refused"] for v in yes)}
    if no:
        out["refused"] = mean(v["refused"] for v in no)
    return out


def _corpus(folder: Path) -> dict[str, str]:
    """The documents copied into `folder`; name -> the text its citations index."""
    from rag.ingestion.documents import load

    folder.mkdir(parents=True, exist_ok=True)
    for path in documents():
        shutil.copyfile(path, folder / path.name)
    return {d.name: d.text for d in load([folder], folder.parent / "extracted")}


def everyday_suite(split: str, answerer: str = "extractive", engine=None) -> dict:
    """The suite on one split: summarize()'s metrics, the breakdowns, and every answer."""
    from rag import Chat
    from rag.answering.engine import Engine
    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-everyday-") as tmp:
        sources = _corpus(Path(tmp) / "docs")
        if engine is None:
            settings = Settings.from_env().with_(data_dir=Path(tmp) / "index", seeds_dir=Path(tmp) / "docs",
                                                 answerer=answerer)
            engine = Engine(settings)
        singles = [(item, line, engine.ask(item.question)) for item, line in questions(split)]
        turns = []
        for _, convo in conversations(split):
            chat = Chat(engine)
            turns += [(item, line, chat.ask(item.question)) for item, line in convo]
    rows = [(i, line, verdict(i, a)) for i, line, a in singles]
    turn_rows = [(i, line, verdict(i, a)) for i, line, a in turns]
    out = {"split": split, "documents": len(sources), "questions": len(singles),
           "default": summarize([(i, a) for i, _, a in singles], sources, SupportJudge(engine.embedder)),
           "overall": _shares([(i, v) for i, _, v in rows]),
           "conversations": _shares([(i, v) for i, _, v in turn_rows]),
           "by_type": breakdown(rows, "answer_type"), "by_genre": breakdown(rows, "genre")}
    out["items"] = [{"id": i.id, "question": i.question, "answerable": i.answerable, "type": line["answer_type"],
                     "genre": line["genre"], "key_facts": list(i.key_facts), "answer": a.text,
                     "understood": a.question, **v} for (i, line, a), (_, _, v) in zip(singles + turns, rows + turn_rows)]
    return out


def _table(title: str, groups: dict) -> str:
    lines = [f"{title:16s} {'n':>3s} {'answered':>9s} {'refused':>8s} {'false_ref':>9s}"]
    for name, g in groups.items():
        cell = lambda k: f"{g[k]:.2f}" if k in g else "-"  # noqa: E731
        lines.append(f"{name:16s} {g['questions']:3d} {cell('answered'):>9s} {cell('refused'):>8s} "
                     f"{cell('false_refusal'):>9s}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="The everyday suite on one split (tune on dev only).")
    p.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive")
    p.add_argument("--failures", action="store_true", help="print every question answered wrongly")
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args(argv)
    res = everyday_suite(args.split, args.answerer)
    print(_table("overall", {"all": res["overall"], "conversations": res["conversations"]}))
    print(_table("answer type", res["by_type"]))
    print(_table("genre", res["by_genre"]))
    if args.failures:
        for it in res["items"]:
            if not it["right"]:
                print(f"\n{it['id']} [{it['type']}/{it['genre']}] {'A' if it['answerable'] else 'U'} "
                      f"{it['question']}\n   facts {it['key_facts']}  understood: {it['understood']}\n   -> {it['answer'][:300]}")
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
