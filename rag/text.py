"""Small text utilities shared by answering, verification and evaluation.

Sentence spans come from a small rule-based splitter (see sentence_spans);
words are lower-cased, stop words dropped and Snowball-stemmed (PyStemmer, which
the BM25 retriever already uses) so "sanctions" matches "sanction".
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.lexicon import (
    ABBREVIATIONS,
    BLOCK_RE,
    BOUNDARY_RE,
    CITATION_RE,
    IRREGULAR,
    MARKER_RUN_RE,
    REFERENCE_WORDS,
    STOPWORDS,
    WORD_RE,
)
from rag.values import DAYS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`.

    Written here rather than taken from NLTK's Punkt (which llama-index uses)
    because importing NLTK costs about a second of every cold `rag ask`.
    Blank lines and list items always split; a full stop after a known
    abbreviation ("U.S.", "Dr.") or a single initial ("J.") does not. Each line
    of a block of records (table rows as the parsers write them, "a | b"; or
    lines of "name - role" or "key: value" none of which ends a sentence) is a
    sentence of its own.
    """
    spans: list[tuple[int, int]] = []
    for block in BLOCK_RE.finditer(text):
        for start, end in _records(text, block.start(), block.end()):
            _split(text, start, end, spans)
    return spans


def _records(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The block as one piece, or as its lines when they are records."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[start:end])]
    if len(lines) < 2:
        return [(start, end)]
    bodies = [text[start + s:start + e].strip() for s, e in lines]
    rows = any(" | " in b or b.startswith("|") for b in bodies)
    # lines of "name - role" or "key: value", none ending a sentence (an address's lines are one record)
    pairs = (len(bodies) >= 3 and all(re.search(r" [-–] |: ", b) for b in bodies[1:])
             and not any(b[-1] in ".!?;,”\"" for b in bodies if b))
    if rows or pairs:
        return [(start + s, start + e) for s, e in lines]
    return [(start, end)]


def _split(text: str, start: int, stop: int, spans: list[tuple[int, int]]) -> None:
    for m in BOUNDARY_RE.finditer(text, start, stop):
        before = text[start : m.start()].rsplit(None, 1)[-1] if text[start : m.start()].strip() else ""
        token = before.lstrip("\"“‘'([").lower()
        if m.group().startswith(".") and (token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token)):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < stop and text[start].isspace():
            start += 1
    if text[start:stop].strip():
        end = stop
        while text[end - 1].isspace():
            end -= 1
        spans.append((start, end))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem; an irregular past form as its verb ("met" -> "meet"), a day's
    abbreviation as the day ("sun" -> "sunday": timetables write "Sun", people ask "Sunday")."""
    word = word.split("'")[0]
    return _stemmer().stemWord(IRREGULAR.get(word) or DAYS.get(word, word))


def content_terms(text: str) -> list[str]:
    """Stemmed content words, in order, duplicates kept."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def one_line(text: str) -> str:
    """Runs of whitespace (line breaks, tabs) as one space, the ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def strip_citations(text: str) -> str:
    return CITATION_RE.sub("", text).strip()


def normalize(text: str) -> str:
    """Lower-case, curly quotes straightened, punctuation dropped: for fact matching."""
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.findall(r"[a-z0-9']+", text))


def opens_with_reference(sentence: str) -> bool:
    """Does the sentence go on from the one before it ("This shift has ...")?"""
    first = sentence.split(None, 1)[0].lower().strip("“\"'") if sentence.split() else ""
    return first in REFERENCE_WORDS


def split_claims(draft: str) -> list[tuple[str, list[int]]]:
    """Split a draft into (sentence without markers, cited numbers) pairs.

    A marker run after the sentence's final punctuation ("... Paris. [1]")
    belongs to that sentence, whether the sentence splitter puts it at the
    start of the next span or in a span of its own.
    """
    claims: list[tuple[str, list[int]]] = []
    text = draft.strip()
    for s, e in sentence_spans(text):
        sent = text[s:e]
        lead = MARKER_RUN_RE.match(sent)
        if lead and claims:  # "[1]" opening a span belongs to the sentence before it
            claims[-1][1].extend(int(n) for n in re.findall(r"\d+", lead.group()))
            sent = sent[lead.end():]
        numbers = [int(n) for n in CITATION_RE.findall(sent)]
        plain = re.sub(r"\s+([.,;:!?])", r"\1", CITATION_RE.sub("", sent)).strip()
        plain = re.sub(r"[,;:]+(?=[.!?]$)", "", plain)  # "Paris, [2]." -> "Paris."
        if plain.strip(".,;:!?\"'”’ "):
            claims.append((plain, numbers))
        elif claims:
            claims[-1][1].extend(numbers)
    return claims
