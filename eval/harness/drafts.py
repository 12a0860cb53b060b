"""Answerable test cases drafted by an LLM from a collection's passages (`rag eval --generate`).

Passages are spread over the documents (round-robin) and over each document's length (beginning,
middle and end first, then the points between), in an order the seed fixes. For each, the LLM
writes one question a reader can answer from that passage alone and its short answer, copied
from it. A draft is kept only when its answer is in the passage, the question does not hold the
answer or point at "the passage", and it ends with "?". A collection with fewer passages than
cases wanted is asked about again, with the questions kept so far to avoid.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Iterator

from eval.metrics import fact_found
from rag.lexicon import STOPWORDS, WORD_RE
from rag.text import sentences
from rag.settings import Settings

from .generation import Doc, GenerateReport, read_prompt
from .words import SOURCE_REFERENCE_RE

MIN_PASSAGE_WORDS = 12  # shorter chunks (a heading, a table row) give no fair question
MAX_DRAFTS_PER_CASE = 3  # stop asking the LLM after this many drafts per case wanted
MAX_ROUNDS = 3  # questions asked about one passage at most (a collection with fewer passages than cases)


@dataclass(frozen=True)
class Passage:
    doc: Doc
    number: int  # 1-based position in the document

    @property
    def text(self) -> str:
        return self.doc.chunks[self.number - 1]


class ConfiguredLLM:
    """The configured LLM (OPENAI_API_KEY / RAG_LLM_BASE_URL) as `.complete(prompt) -> str`.

    Built on LLMAnswerer.chat so that drafting has the answerer's timeouts, retries and
    one-line BackendUnavailable errors. Any object with `.complete(prompt)` can stand in for it
    (a llama-index LLM too: its CompletionResponse's `.text` is read)."""

    def __init__(self, settings: Settings) -> None:
        from rag.llm.client import LLMAnswerer

        self.answerer = LLMAnswerer(settings)
        self.model = self.answerer.model

    def complete(self, prompt: str) -> str:
        return self.answerer.chat(read_prompt("draft_system"), prompt)


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


def key_fact(answer: str) -> str:
    """The drafted answer as a key fact: without the words that lead into it ("in Beijing" ->
    "Beijing", "the joint statement" -> "joint statement"), which a right answer need not repeat."""
    words = answer.split()
    while len(words) > 1 and words[0].lower().strip(",.") in STOPWORDS:
        words.pop(0)
    return " ".join(words).strip(" .,;:")


def later_part(text: str, rnd: int) -> str:
    """The passage as shown in round `rnd`: whole at first, then from a third, then from two thirds
    of its sentences on. A small model asked again about the same text tends to repeat its first
    question whatever it is told to avoid; a text that starts later leads it to other facts."""
    if rnd == 0:
        return text
    parts = sentences(text)
    return " ".join(parts[len(parts) * rnd // MAX_ROUNDS:]) or text


def draft_cases(llm, docs: list[Doc], wanted: int, seed: int, report: GenerateReport, write) -> None:
    """Ask the LLM about one passage at a time until `wanted` drafts are kept, or MAX_DRAFTS_PER_CASE
    drafts per case wanted are spent. When every passage has been asked about (a small collection),
    the next round asks about them again, giving the questions kept so far to avoid, up to
    MAX_ROUNDS questions a passage. A RagError from the LLM propagates."""
    template, seen = read_prompt("draft_user"), set()
    asked: dict[tuple[str, int], list[str]] = {}
    pool = list(sample_passages(docs, seed))
    for rnd, passage in ((r, p) for r in range(MAX_ROUNDS) for p in pool):
        if report.kept >= wanted or report.drafted >= MAX_DRAFTS_PER_CASE * wanted:
            return
        before = asked.setdefault((passage.doc.name, passage.number), [])
        avoid = ("Already asked about this passage; ask about another fact in it:\n"
                 + "".join(f"- {q}\n" for q in before) + "\n") if before else ""
        shown = later_part(passage.text, rnd)
        report.drafted += 1
        reply = llm.complete(template.format(file=passage.doc.name, passage=shown, avoid=avoid))
        draft = parse_draft(reply)
        why = "unparseable" if draft is None else check_draft(*draft, shown)
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
        write("llm", question, note, [key_fact(answer)], [passage.doc.name], passage.text)
        report.kept += 1
