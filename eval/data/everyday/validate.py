"""Check the everyday evaluation set: documents, questions and conversations.

    /work/main/.venv/bin/python eval/data/everyday/validate.py

Standard library only, except python-docx, openpyxl and python-pptx for reading the
office documents (without them, their text is taken from build_office.py instead).
Exits with status 1 and lists the problems if any check fails; prints the counts.

Checks:
- every question names a document that exists, with the genre its file name gives;
- ids are unique (questions and conversations), fields are present and typed;
- answer_type and genre are in the lists below; split is dev or test, and the same
  for every question of a document; the two documents of a genre are in different splits;
- answerable questions have key facts and supporting spans; unanswerable ones have none;
- every supporting span is a substring of the document's text: the raw text for .txt,
  .md and .csv; for .html the text after stripping tags with html.parser (block tags
  become spaces, inline tags nothing; whitespace collapsed); for .docx/.xlsx/.pptx the
  text read from the file (paragraphs and table rows / sheet rows / slide lines, cells
  joined with " | "), which must also match the content defined in build_office.py;
- every key fact of an answerable question has at least one alternative (" | ") that
  appears, case-insensitively, in one of its supporting spans. Alternatives that are
  other spellings of the same value (e.g. "10 pm" for "22:00") need not appear; how many
  do not is printed for information.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_office  # noqa: E402  (beside this file: the office documents' content and _cell)

HERE = Path(__file__).resolve().parent

GENRES = ["timetable", "contact", "manual", "release-notes", "recipe", "contract", "policy",
          "minutes", "faq", "table", "slides", "news", "notice"]
ANSWER_TYPES = ["time", "date", "duration", "money", "percentage", "quantity", "code", "version",
                "phone", "email", "url", "place", "person", "organisation", "yesno", "list", "other"]
MIN_PER_TYPE = {t: 6 for t in ANSWER_TYPES} | {
    t: 10 for t in ("time", "date", "money", "quantity", "code", "place", "person", "yesno")}
QUESTION_FIELDS = {"id": str, "doc": str, "genre": str, "answer_type": str, "question": str,
                   "answerable": bool, "key_facts": list, "supporting_spans": list,
                   "reference_answer": str, "split": str}
TURN_FIELDS = {k: v for k, v in QUESTION_FIELDS.items()
               if k not in ("id", "doc", "genre", "split")}
DOC_EXTS = {".txt", ".md", ".html", ".csv", ".docx", ".xlsx", ".pptx", ".pdf"}
NOT_DOCS = {"README.md"}


# ---------------------------------------------------------------------------
# Document text
# ---------------------------------------------------------------------------

class _HTMLText(HTMLParser):
    BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
             "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
             "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th",
             "thead", "title", "tr", "ul", "head", "body", "html"}
    SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_text(raw: str) -> str:
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    return collapse("".join(parser.parts))


def office_text_from_file(path: Path) -> str:
    """The text of an office file, read with its library (ImportError if missing)."""
    suffix = path.suffix.lower()
    lines: list[str] = []
    if suffix == ".docx":
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        d = docx.Document(str(path))
        for block in d.element.body.iterchildren():
            tag = block.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = Paragraph(block, d).text
                if text.strip():
                    lines.append(text)
            elif tag == "tbl":
                for row in Table(block, d).rows:
                    lines.append(" | ".join(c.text for c in row.cells))
    elif suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(str(path), data_only=True)
        for ws in wb.worksheets:
            lines.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                lines.append(" | ".join(build_office._cell(v) for v in row if build_office._cell(v) != ""))
    elif suffix == ".pptx":
        from pptx import Presentation

        for slide in Presentation(str(path)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    lines += [p.text for p in shape.text_frame.paragraphs if p.text.strip()]
    else:
        raise ValueError(path)
    return "\n".join(lines)


def doc_text(path: Path, problems: list[str]) -> str:
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".csv"):
        return path.read_text(encoding="utf-8")
    if suffix == ".html":
        return html_text(path.read_text(encoding="utf-8"))
    if suffix in (".docx", ".xlsx", ".pptx"):
        defined = build_office.content_text(path.name)
        try:
            read = office_text_from_file(path)
        except ImportError:
            return defined
        # The file must hold what build_office.py defines (rebuild it if not).
        read_lines = [line for line in read.splitlines() if line.strip()]
        defined_lines = [line for line in defined.splitlines() if line.strip()]
        if read_lines != defined_lines:
            missing = [line for line in defined_lines if line not in read_lines][:3]
            problems.append(f"{path.name}: the file differs from build_office.py "
                            f"(rebuild it); e.g. {missing}")
        return read
    raise ValueError(f"unsupported document type: {path.name}")


def genre_of(doc: str) -> str | None:
    for genre in sorted(GENRES, key=len, reverse=True):
        if doc.startswith(genre + "-"):
            return genre
    return None


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def alternatives(fact: str) -> list[str]:
    return [alt.strip() for alt in fact.split(" | ") if alt.strip()]


def check_item(item: dict, where: str, fields: dict, texts: dict, problems: list[str],
               stats: Counter, doc: str) -> None:
    for name, typ in fields.items():
        if name not in item:
            problems.append(f"{where}: missing field {name!r}")
        elif not isinstance(item[name], typ):
            problems.append(f"{where}: {name!r} should be {typ.__name__}")
    if item.get("answer_type") not in ANSWER_TYPES:
        problems.append(f"{where}: answer_type {item.get('answer_type')!r} not in the list")
    if not str(item.get("question", "")).strip():
        problems.append(f"{where}: empty question")
    if not str(item.get("reference_answer", "")).strip():
        problems.append(f"{where}: empty reference_answer")
    facts, spans = item.get("key_facts") or [], item.get("supporting_spans") or []
    if item.get("answerable") is False:
        if facts or spans:
            problems.append(f"{where}: unanswerable, but has key facts or spans")
        return
    if not facts:
        problems.append(f"{where}: answerable, but no key facts")
    if not spans:
        problems.append(f"{where}: answerable, but no supporting spans")
    text = texts.get(doc)
    if text is None:
        return
    haystack = collapse(text) if doc.endswith(".html") else text
    for span in spans:
        if not isinstance(span, str) or not span.strip():
            problems.append(f"{where}: empty span")
        elif span not in haystack:
            problems.append(f"{where}: span not in {doc}: {span!r}")
    lowered = [s.lower() for s in spans if isinstance(s, str)]
    for fact in facts:
        alts = alternatives(fact) if isinstance(fact, str) else []
        if not alts:
            problems.append(f"{where}: empty key fact")
            continue
        found = [a for a in alts if any(a.lower() in s for s in lowered)]
        if not found:
            problems.append(f"{where}: key fact {fact!r} not in any supporting span")
        stats["alternatives"] += len(alts)
        stats["alternatives_not_in_span"] += len(alts) - len(found)


def main() -> int:
    problems: list[str] = []
    stats: Counter = Counter()

    docs = sorted(p.name for p in HERE.iterdir()
                  if p.suffix.lower() in DOC_EXTS and p.name not in NOT_DOCS)
    texts: dict[str, str] = {}
    for name in docs:
        if genre_of(name) is None:
            problems.append(f"{name}: file name does not start with a genre slug")
        try:
            texts[name] = doc_text(HERE / name, problems)
        except Exception as exc:  # report and go on
            problems.append(f"{name}: cannot read ({exc})")

    def load(name: str) -> list[dict]:
        rows = []
        for n, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"{name} line {n}: bad JSON ({exc})")
        return rows

    questions = load("questions.jsonl")
    conversations = load("conversations.jsonl")

    ids = Counter([q.get("id") for q in questions] + [c.get("id") for c in conversations])
    for dup, n in ids.items():
        if n > 1:
            problems.append(f"id {dup!r} used {n} times")

    doc_split: dict[str, set] = defaultdict(set)
    per_doc: Counter = Counter()

    def check_doc_fields(item: dict, where: str) -> str:
        doc = item.get("doc", "")
        if doc not in texts:
            problems.append(f"{where}: document {doc!r} does not exist")
        if item.get("genre") not in GENRES:
            problems.append(f"{where}: genre {item.get('genre')!r} not in the list")
        elif genre_of(doc) != item.get("genre"):
            problems.append(f"{where}: genre {item.get('genre')!r} but document {doc!r}")
        if item.get("split") not in ("dev", "test"):
            problems.append(f"{where}: split {item.get('split')!r}")
        doc_split[doc].add(item.get("split"))
        return doc

    for q in questions:
        where = f"questions {q.get('id')}"
        doc = check_doc_fields(q, where)
        per_doc[doc] += 1
        check_item(q, where, QUESTION_FIELDS, texts, problems, stats, doc)

    for c in conversations:
        where = f"conversations {c.get('id')}"
        doc = check_doc_fields(c, where)
        turns = c.get("turns")
        if not isinstance(turns, list) or not 2 <= len(turns) <= 3:
            problems.append(f"{where}: needs 2 or 3 turns")
            continue
        for i, turn in enumerate(turns, 1):
            check_item(turn, f"{where} turn {i}", TURN_FIELDS, texts, problems, stats, doc)

    for doc, splits in doc_split.items():
        if len(splits) > 1:
            problems.append(f"{doc}: questions in more than one split {sorted(splits)}")
    for genre in GENRES:
        gdocs = [d for d in docs if genre_of(d) == genre]
        if len(gdocs) != 2:
            problems.append(f"genre {genre}: {len(gdocs)} documents, expected 2")
        splits = sorted(next(iter(doc_split[d])) for d in gdocs if len(doc_split.get(d, ())) == 1)
        if len(splits) == 2 and splits != ["dev", "test"]:
            problems.append(f"genre {genre}: both documents in {splits[0]}")
    for doc in docs:
        if per_doc[doc] == 0:
            problems.append(f"{doc}: no questions")

    # ---- counts -----------------------------------------------------------
    def table(title: str, counter_by: dict[str, Counter], keys: list[str]) -> None:
        print(f"\n{title}")
        cols = ["dev", "test", "answerable", "unanswerable", "all"]
        print(f"  {'':16}" + "".join(f"{c:>13}" for c in cols))
        for key in keys:
            row = counter_by[key]
            print(f"  {key:16}" + "".join(f"{row[c]:>13}" for c in cols))

    by_type: dict[str, Counter] = defaultdict(Counter)
    by_genre: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for q in questions:
        tags = [q.get("split"), "answerable" if q.get("answerable") else "unanswerable", "all"]
        for tag in tags:
            by_type[q.get("answer_type")][tag] += 1
            by_genre[q.get("genre")][tag] += 1
            totals[tag] += 1

    print(f"documents: {len(docs)}  "
          + "  ".join(f"{ext}: {sum(d.endswith(ext) for d in docs)}"
                      for ext in sorted({Path(d).suffix for d in docs})))
    print(f"questions: {totals['all']} (dev {totals['dev']}, test {totals['test']}; "
          f"answerable {totals['answerable']}, unanswerable {totals['unanswerable']})")
    turns = [t for c in conversations for t in c.get("turns", [])]
    print(f"conversations: {len(conversations)} "
          f"(dev {sum(c.get('split') == 'dev' for c in conversations)}, "
          f"test {sum(c.get('split') == 'test' for c in conversations)}; {len(turns)} turns, "
          f"{sum(not t.get('answerable') for t in turns)} unanswerable)")
    table("by answer type (questions)", by_type, ANSWER_TYPES)
    table("by genre (questions)", by_genre, GENRES)
    print(f"\nkey-fact alternatives: {stats['alternatives']}, of which "
          f"{stats['alternatives_not_in_span']} are other spellings not found verbatim in a span")

    for t, minimum in MIN_PER_TYPE.items():
        if by_type[t]["all"] < minimum:
            problems.append(f"answer type {t}: {by_type[t]['all']} questions, want {minimum}+")
    if totals["unanswerable"] < 52:
        problems.append(f"only {totals['unanswerable']} unanswerable questions, want 52+")

    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  -", p)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
