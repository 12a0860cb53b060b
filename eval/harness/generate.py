"""`rag eval --generate N`: draft a questions file (the format of `rag eval --questions`) from the
documents of a collection, for a person to review before it is used.

Two kinds of case, one JSON line each:
- answerable cases drafted by the LLM: for each sampled passage, one question a reader can answer
  from that passage alone and its short answer copied from it. A draft is kept only when its
  answer is in the passage, the question does not itself hold the answer and it ends with "?";
  the passage rides along in the case, so a reviewer can check it.
- unanswerable probes, made without a model from the collection's own vocabulary: a made-up
  person (the first name of one name in the collection, the surname of another, checked to occur
  nowhere), and figure questions about a real name that no sentence naming it gives a figure for,
  asked as suits a person, a place or a body (read from how the text uses the name); a name of
  unclear kind gets none.

Passages are spread over the documents (round-robin) and over each document's length (beginning,
middle and end first, then the points between), in an order the seed fixes. The file is written
as cases are made, so an LLM that fails half-way leaves every case made so far.

Left out: conversations (several turns), questions that need several passages, and any judgement
of whether a question is a good one beyond the checks above: the file is a draft to review.
"""

# Hand-written rather than llama-index's RagDatasetGenerator (not installed here either): that
# one needs an LLM for every case, does not check that the answer is in the passage, samples
# passages in index order rather than across documents, and makes no unanswerable probes.

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

from eval.metrics import fact_found
from rag.errors import BadInput, RagError
from rag.lexicon import (
    COUNT_WORDS,
    DATE_WORDS,
    IRREGULAR,
    MAGNITUDE_WORDS,
    NAME_RUN_RE,
    PLACE_PREPOSITIONS,
    REPORTING_VERBS,
    SOURCE_REFERENCE_RE,
    STOPWORDS,
    WORD_RE,
)
from rag.settings import Settings

PROMPTS = Path(__file__).parent / "prompts"
PROBE_SHARE = 5  # with an LLM, about one case in PROBE_SHARE is a probe unless `probes` says
MIN_PASSAGE_WORDS = 12  # shorter chunks (a heading, a table row) give no fair question
MAX_DRAFTS_PER_CASE = 3  # stop asking the LLM after this many drafts per case wanted
MAX_ROUNDS = 3  # questions asked about one passage at most (a collection with fewer passages than cases)


def _prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8")


class GenerationStopped(RagError):
    """The LLM failed part-way; the cases made so far are in the file (`.report` says how many)."""

    def __init__(self, report: GenerateReport) -> None:
        self.report = report
        super().__init__(f"stopped after {report.written} case(s): {report.stopped_by}; the "
                         f"{report.written} case(s) made so far are in {report.path} (review them, or run "
                         f"again with another --out)")


@dataclass
class GenerateReport:
    path: Path
    wanted: int
    model: str | None = None  # the LLM that drafted, None for probes only
    written: int = 0
    drafted: int = 0  # LLM calls
    kept: int = 0  # drafts kept
    rejected: Counter = field(default_factory=Counter)  # reason -> drafts
    probes: int = 0
    seconds: float = 0.0
    stopped_by: str | None = None

    def __str__(self) -> str:
        if self.model:
            made = f"{self.kept} drafted by the LLM, {sum(self.rejected.values())} of {self.drafted} drafts rejected"
            if self.rejected:
                made += " (" + ", ".join(f"{n} {why}" for why, n in self.rejected.most_common()) + ")"
            made += f"; {self.probes} probes"
        else:
            made = f"{self.probes} probes; no LLM, so no answerable cases"
        short = (f"; {self.wanted - self.written} fewer than asked: no more passed the checks"
                 if self.written < self.wanted and not self.stopped_by else "")
        stop = f"; stopped: {self.stopped_by}" if self.stopped_by else ""
        return (f"wrote {self.written} cases to {self.path} ({made}{short}{stop}) in {self.seconds:.1f} s"
                f" — review them, then `rag eval --questions {self.path}`")


@dataclass(frozen=True)
class Doc:
    name: str  # file name, as a case's sources give it
    chunks: tuple[str, ...]  # in document order

    @property
    def text(self) -> str:
        return "\n\n".join(self.chunks)


@dataclass(frozen=True)
class Passage:
    doc: Doc
    number: int  # 1-based position in the document

    @property
    def text(self) -> str:
        return self.doc.chunks[self.number - 1]


class ConfiguredLLM:
    """The configured LLM (OPENAI_API_KEY / RAG_LLM_BASE_URL) as `.complete(prompt) -> str`.

    Built on LLMAnswerer's chat call so that drafting has the answerer's timeouts, retries and
    one-line BackendUnavailable errors. Any object with `.complete(prompt)` can stand in for it
    (a llama-index LLM too: its CompletionResponse's `.text` is read)."""

    def __init__(self, settings: Settings) -> None:
        from rag.llm.client import LLMAnswerer

        self.answerer = LLMAnswerer(settings)
        self.model = self.answerer.model

    def complete(self, prompt: str) -> str:
        return self.answerer._chat(_prompt("draft_system"), prompt)


def generate(n: int, out: Path, *, settings: Settings, llm=None, probes: int | None = None,
             progress: Callable[[int, int], None] | None = None, seed: int = 0,
             overwrite: bool = False) -> GenerateReport:
    """Write up to `n` cases for `settings.collection` to `out` and say what was made.

    `llm`: an object with `.complete(prompt)`; None uses the configured LLM if there is one;
    False makes probes only. `probes`: how many of the n are probes when there is an LLM (default:
    about one in five; without an LLM all are). An existing non-empty `out` is kept unless `overwrite`.
    BadInput for an unknown or empty collection; GenerationStopped (its `.report` attached) when
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
                _draft_cases(llm, docs, n - report.probes, seed, report, write)
            except RagError as exc:
                report.stopped_by = str(exc)
    report.seconds = time.perf_counter() - started
    if report.stopped_by:
        raise GenerationStopped(report)
    return report


def _documents(settings: Settings) -> list[Doc]:
    """The collection's documents, each with its chunks in document order; BadInput when the
    collection does not exist or holds nothing."""
    from rag.index.store import open_store

    store = open_store(settings)
    if store.count() == 0:
        raise BadInput(f"collection {settings.collection} holds no documents; `rag ingest` some first")
    by_path: dict[str, list] = {}
    for node in store.nodes():
        by_path.setdefault(node.metadata.get("path", ""), []).append(node)
    docs = []
    for path in sorted(by_path):
        nodes = sorted(by_path[path], key=lambda x: (x.metadata.get("start", 0), x.metadata.get("end", 0)))
        name = nodes[0].metadata.get("source") or Path(path).name
        docs.append(Doc(name, tuple(x.get_content() for x in nodes)))
    return docs


# --- answerable cases, drafted by the LLM -------------------------------------------------------------


def spread(k: int, rng: random.Random) -> list[int]:
    """Positions 0..k-1 in an order that covers a document evenly: beginning, middle and end
    first, then the quarter points, the eighths and so on (each level in an order from rng)."""
    order, seen, parts = [], set(), 2
    level = [0.0, 0.5, 1.0]
    while len(order) < k and parts <= 4 * k:
        rng.shuffle(level)
        for f in level:
            i = round(f * (k - 1))
            if i not in seen:
                seen.add(i)
                order.append(i)
        parts *= 2
        level = [j / parts for j in range(1, parts, 2)]
    return order + [i for i in range(k) if i not in seen]


def sample_passages(docs: list[Doc], seed: int) -> Iterator[Passage]:
    """Every passage long enough to ask about, round-robin over the documents (in an order from
    the seed), each document's passages in spread() order."""
    rng = random.Random(f"passages-{seed}")
    order = list(docs)
    rng.shuffle(order)
    queues = [[Passage(d, i + 1) for i in spread(len(d.chunks), rng)] for d in order]
    for rank in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if rank < len(queue) and len(WORD_RE.findall(queue[rank].text)) >= MIN_PASSAGE_WORDS:
                yield queue[rank]


def parse_draft(reply) -> tuple[str, str] | None:
    """(question, answer) from an LLM reply holding a JSON object (code fences or words around
    it are skipped), or None."""
    text = getattr(reply, "text", reply)  # a llama-index LLM's complete() returns a CompletionResponse
    if not isinstance(text, str):
        return None
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    data = {str(k).strip().lower(): v for k, v in data.items()}
    question, answer = data.get("question"), data.get("answer")
    if not isinstance(question, str) or not isinstance(answer, (str, int, float)) or isinstance(answer, bool):
        return None
    question, answer = " ".join(question.split()), " ".join(str(answer).split()).replace("|", "/")
    return (question, answer) if question and answer else None


def check_draft(question: str, answer: str, passage: str) -> str | None:
    """Why a drafted (question, answer) must go, or None to keep it."""
    if not question.endswith("?"):
        return "question without ?"
    if not (answer.casefold() in " ".join(passage.split()).casefold() or fact_found(answer, passage)):
        return "answer not in the passage"
    if fact_found(answer, question) or answer.casefold() in question.casefold():
        return "question holds the answer"
    if SOURCE_REFERENCE_RE.search(question):
        return "question points at the passage"
    return None


def _draft_cases(llm, docs: list[Doc], wanted: int, seed: int, report: GenerateReport, write) -> None:
    """Ask the LLM about one passage at a time until `wanted` drafts are kept, or MAX_DRAFTS_PER_CASE
    drafts per case wanted are spent. When every passage has been asked about (a small collection),
    the next round asks about them again, giving the questions kept so far to avoid, up to
    MAX_ROUNDS questions a passage. A RagError from the LLM propagates."""
    template, seen = _prompt("draft_user"), set()
    asked: dict[tuple[str, int], list[str]] = {}
    pool = list(sample_passages(docs, seed))
    for passage in (p for _ in range(MAX_ROUNDS) for p in pool):
        if report.kept >= wanted or report.drafted >= MAX_DRAFTS_PER_CASE * wanted:
            return
        before = asked.setdefault((passage.doc.name, passage.number), [])
        avoid = ("Already asked about this passage; ask about another fact in it:\n"
                 + "".join(f"- {q}\n" for q in before) + "\n") if before else ""
        report.drafted += 1
        reply = llm.complete(template.format(file=passage.doc.name, passage=passage.text, avoid=avoid))
        draft = parse_draft(reply)
        why = "unparseable" if draft is None else check_draft(*draft, passage.text)
        if why is None and draft[0].casefold() in seen:
            why = "duplicate"
        if why:
            report.rejected[why] += 1
            continue
        question, answer = draft
        seen.add(question.casefold())
        before.append(question)
        verbatim = answer.casefold() in " ".join(passage.text.split()).casefold()
        note = (f"drafted by {report.model} from {passage.doc.name}, passage {passage.number} of "
                f"{len(passage.doc.chunks)}; answer found in the passage "
                f"({'verbatim' if verbatim else 'by word stems'})")
        write("llm", question, note, [answer], [passage.doc.name], passage.text)
        report.kept += 1


# --- unanswerable probes, from the collection's vocabulary --------------------------------------------

MONTH_VERBS = ("May", "March")  # months that DATE_WORDS leaves out, being verbs too: "in May" names no place
DEMONYM_ENDINGS = ("ian", "ese", "ish")  # "Russian", "Chinese", "English": "in English" names no place
# After these and "the", a name reads as a place ("in the United States"); a body is also written
# "to", "from" or "at the X" ("a letter to the Authority").
PLACE_ONLY = PLACE_PREPOSITIONS - {"to", "from", "at"}


@dataclass(frozen=True)
class Name:
    words: tuple[str, ...]  # capitalised words
    doc: str  # the first document using it
    count: int
    kind: str = "person"  # person, place or body: which figure questions suit it
    the: bool = False  # mostly written "the X" ("the Harbour Authority")

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def display(self) -> str:
        """As a question writes it: "the Harbour Authority", "Beijing"."""
        return f"the {self.text}" if self.the else self.text


@dataclass
class _Uses:
    """How the running text of a collection uses one run of capitalised words."""

    doc: str  # the first document using it
    count: int = 0
    inside: int = 0  # not opening a sentence
    after_place: int = 0  # right after a place preposition: "in Beijing", "from Dunmore"
    after_the: int = 0  # "the Kremlin"
    in_the: int = 0  # "in the United States": read as a place, though written with "the"
    reports: int = 0  # followed by a reporting verb: "the Harbour Authority said", "Kowalski said"
    modifies: int = 0  # followed by a lower-case content word, as an adjective: "Russian economy"


def _heading(line: str) -> bool:
    """A title-case line without end punctuation: a heading, not running text."""
    words = [w for w in line.split() if w.casefold() not in STOPWORDS]
    return bool(words) and not line.rstrip().endswith((".", "!", "?", "\"", "”", ")")) and \
        sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _uses(docs: list[Doc], lower_words: set[str]) -> dict[tuple[str, ...], _Uses]:
    """Every run of name words in the collection's running text (headings skipped, each distinct
    sentence of a document read once, as chunks may overlap), with how it is used.

    A name word is capitalised, and no stop, date or month word. Alone, or opening a sentence, it must
    also never be written in lower case in the collection (so not "Strategic", not "West" when "the
    west" occurs); inside a longer run that opens no sentence it may be ("the Harbour Authority" when
    "the harbour" occurs). A possessive ends a run ("Ukraine's")."""
    from rag.text import sentences

    def name_word(w: str, strict: bool) -> bool:
        return (len(w) > 1 and w.isalpha() and w[0].isupper() and w[1:].islower() and w not in MONTH_VERBS
                and w.casefold() not in STOPWORDS and w.casefold() not in DATE_WORDS
                and not (strict and w.casefold() in lower_words))

    uses: dict[tuple[str, ...], _Uses] = {}
    for doc in docs:
        seen: set[str] = set()
        for line in doc.text.splitlines():
            if _heading(line):
                continue
            for sentence in sentences(line):
                if sentence not in seen:
                    seen.add(sentence)
                    for run, *context in _runs(sentence, name_word):
                        _record(uses.setdefault(run, _Uses(doc.name)), *context)
    return uses


def _runs(sentence: str, name_word: Callable[[str, bool], bool]) -> Iterator[tuple]:
    """(run, opens the sentence?, the up to two words right before it lower-cased, the lower-case
    word right after it or None) for each run of name words in a sentence."""
    for m in NAME_RUN_RE.finditer(sentence):
        before, raw = sentence[:m.start()], m.group().split()
        opens = not before.strip(" \"“‘'([")
        context = [w.casefold() for w in before.split()[-2:]] if before[-1:].isspace() else []
        follower = re.match(r"\s+([a-z]+)\b", sentence[m.end():])
        run: list[str] = []
        start = 0
        for i, token in enumerate(raw + [""]):  # "" ends the last run
            word = token[:-2] if token.endswith(("’s", "'s")) else token
            if word and name_word(word, opens and i == 0):
                start = start if run else i
                run.append(word)
                if word == token:
                    continue  # (a possessive ends the run)
            if run and (len(run) > 1 or name_word(run[0], True)):
                prior = (context + [w.casefold() for w in raw[:start]])[-2:]
                yield tuple(run), opens and start == 0, prior, follower[1] if follower and i == len(raw) else None
            run = []


def _record(use: _Uses, opening: bool, before: list[str], after: str | None) -> None:
    """Count one use, as _runs gives it."""
    prev = before[-1] if before else ""
    use.count += 1
    use.inside += not opening
    use.after_place += prev in PLACE_PREPOSITIONS
    use.after_the += prev == "the"
    use.in_the += prev == "the" and len(before) == 2 and before[0] in PLACE_ONLY
    if after:
        use.reports += after in REPORTING_VERBS
        use.modifies += (after not in STOPWORDS and after not in REPORTING_VERBS and after not in IRREGULAR
                         and not after.endswith("ed"))  # a noun, not a verb in the past ("Dunmore cleaned")


def _kind(words: tuple[str, ...], use: _Uses) -> str | None:
    """"place", "body" or None (unclear: better no figure question than a wrong one) for a run of
    capitalised words that is no person's name."""
    if use.inside < 2 or 2 * use.modifies > use.count:
        return None  # capitalised perhaps only as a sentence's first word; or mostly an adjective ("Western sanctions")
    if len(words) == 1 and words[0].endswith(DEMONYM_ENDINGS):
        return None
    if use.after_place and not use.reports:  # "in Beijing", and never "Beijing said" (a person?)
        return "place"
    if use.after_the and use.reports and not use.after_place and not use.in_the:  # "the Harbour Authority said"
        return "body"
    return None


def _names(docs: list[Doc], corpus: str) -> tuple[list[Name], list[Name]]:
    """(people, places and bodies) named in the collection's running text, most used first.

    A person is the last two words of a run whose one word also stands alone elsewhere ("Vladimir
    Putin" for "Putin said", "Xi Jinping" for "Xi told"), the run's words never written in lower case
    nor after "the". A place or body is any other run used mid-sentence at least twice, sharing no word
    with a person, not mostly followed by a lower-case noun (an adjective or demonym: "Russian economy")
    and classed by _kind: a place when written after a place preposition ("in Beijing"), a body when
    written "the X" and followed by a reporting verb ("the Harbour Authority said"); other runs are
    left out."""
    lower_words = {w for w in WORD_RE.findall(corpus) if w.islower()}
    uses = _uses(docs, lower_words)
    alone = {words[0] for words in uses if len(words) == 1}
    people: Counter = Counter()
    first_doc: dict[tuple[str, ...], str] = {}
    for words, use in uses.items():
        if (len(words) >= 2 and (words[-1] in alone or (len(words) == 2 and words[0] in alone))
                and not use.after_the and not any(w.casefold() in lower_words for w in words)):
            people[words[-2:]] += use.count
            first_doc.setdefault(words[-2:], uses.get(words[-2:], use).doc)
    in_people = {w for words in people for w in words}
    others = []
    for words, use in uses.items():
        kind = None if in_people.intersection(words) else _kind(words, use)
        if kind:
            others.append(Name(words, use.doc, use.count, kind, the=2 * use.after_the > use.count))
    people_names = [Name(words, first_doc[words], count) for words, count in people.items()]
    return sorted(people_names, key=_by_use), sorted(others, key=_by_use)


def _by_use(name: Name) -> tuple:
    return -name.count, name.text


def _round_robin(groups: list[list]) -> Iterator:
    for rank in range(max((len(g) for g in groups), default=0)):
        for group in groups:
            if rank < len(group):
                yield group[rank]


def _by_doc(items, docs: list[Doc], rng: random.Random) -> list[list]:
    """Items grouped by their document (documents in an order from rng), most used first."""
    order = list(dict.fromkeys(d.name for d in docs))
    rng.shuffle(order)
    return [[x for x in items if x.doc == name] for name in order]


def _templates() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in _prompt("probe_templates").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, template = (part.strip() for part in line.split("|", 1))
            out.setdefault(kind, []).append(template)
    return out


def _made_up_names(docs, people: list[Name], things: list[Name], corpus: str, rng: random.Random,
                   templates) -> Iterator[tuple[str, str]]:
    """Probes about a person who is not in the collection: one person's first name and another's
    surname ("Sergey" + "Jinping"), the pair checked to occur nowhere in the collection; {term}
    is a place or body of the first person's document."""
    folded = " ".join(corpus.split()).casefold()
    firsts = list(_round_robin(_by_doc(people, docs, rng)))
    partners = []  # per first name: the surnames to try, other documents' first
    for a in firsts:
        others = [b for b in people if b.doc != a.doc]
        same = [b for b in people if b.doc == a.doc and b is not a]
        rng.shuffle(others)
        rng.shuffle(same)
        partners.append(others + same)
    for rank in range(len(people)):
        for a, bs in zip(firsts, partners):
            if rank >= len(bs):
                continue
            b = bs[rank]
            first, last = a.words[0], b.words[-1]
            made_up = f"{first} {last}"
            if first == last or made_up.casefold() in folded:
                continue
            term = rng.choice([t for t in things if t.doc == a.doc] or things or [None])
            template = rng.choice([t for t in templates["name"] if term or "{term}" not in t])
            note = (f"probe: made-up name ({first} from {a.text} in {a.doc}, {last} from {b.text} in {b.doc}), "
                    f"checked to occur nowhere in the collection")
            yield template.format(name=made_up, term=term.display if term else ""), note


def _has_figure(words: list[str]) -> bool:
    """Any digit or number word, except a count after "the" ("the two leaders" refers back to
    people already named; it measures nothing a figure question could ask for)."""
    numbers = set(COUNT_WORDS) | set(MAGNITUDE_WORDS)
    return any(w[0].isdigit() or (w.casefold() in numbers and (i == 0 or words[i - 1].casefold() != "the"))
               for i, w in enumerate(words))


def _figure_questions(docs, people: list[Name], things: list[Name], rng: random.Random,
                      templates) -> Iterator[tuple[str, str]]:
    """Probes asking for a figure about a real name, in the templates of its kind (person, place or
    body), when no sentence naming it (a person: by any of their names; a place or body: by all its
    words), nor the sentence after, holds a digit or a number word."""
    from rag.text import sentences

    where: dict[str, set[tuple[int, int]]] = {}  # word -> (document, sentence) using it
    figure: list[list[bool]] = []  # per document, per sentence: does it or the next give a figure?
    for d, doc in enumerate(docs):
        said = [WORD_RE.findall(s) for s in dict.fromkeys(sentences(doc.text))]  # (chunks overlap)
        has = [_has_figure(words) for words in said]
        figure.append([a or b for a, b in zip(has, has[1:] + [False])])
        for s, words in enumerate(said):
            for w in words:
                where.setdefault(w, set()).add((d, s))

    names = sorted(people + things, key=lambda x: -x.count)
    clean = []  # (name, sentences naming it, its templates in an order from rng)
    for name in _round_robin(_by_doc(names, docs, rng)):
        if name.kind == "person":  # also "Putin said", "Xi told"
            hits = set().union(*(where.get(w, set()) for w in name.words))
        else:
            hits = set.intersection(*(where.get(w, set()) for w in name.words))
        if hits and not any(figure[d][s] for d, s in hits):
            kind = templates[f"{name.kind}_figure"]
            clean.append((name, len(hits), rng.sample(kind, len(kind))))
    for rank in range(max((len(t) for _, _, t in clean), default=0)):  # one question per name, then another
        for name, hits, kind in clean:
            if rank < len(kind):
                note = (f"probe: asks for a figure about {name.text}, read as a {name.kind} (from {name.doc}); "
                        f"none of the {hits} sentence(s) naming it, nor the one after each, gives any figure")
                yield kind[rank].format(entity=name.display), note


def probe_questions(docs: list[Doc], seed: int) -> Iterator[tuple[str, str]]:
    """(question, note) of unanswerable probes, made-up names and figure questions taken in
    turn, no question twice, deterministic for a seed."""
    rng = random.Random(f"probes-{seed}")
    corpus = "\n\n".join(d.text for d in docs)
    (people, things), templates = _names(docs, corpus), _templates()
    kinds = [_made_up_names(docs, people, things, corpus, rng, templates),
             _figure_questions(docs, people, things, rng, templates)]
    seen = set()
    while kinds:
        for kind in list(kinds):
            for question, note in kind:
                if question.casefold() not in seen:
                    seen.add(question.casefold())
                    yield question, note
                    break
            else:
                kinds.remove(kind)
