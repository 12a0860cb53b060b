"""Turn a follow-up ("What did he call it?") into a standalone question.

With an LLM: the condense prompt (rag/prompts/condense.txt) rewrites it.
Offline: a rule that needs no model. A personal pronoun (he, his, she, her)
is replaced by the last name phrase of the conversation's previous question (or,
failing that, of its answer); any other reference ("it", "that", "they", "what
about ...") is resolved by adding the previous question's topic in brackets,
which is what retrieval and the answerer need to find the right passage.
"""

from __future__ import annotations

import re

from rag.question import analyse, names
from rag.lexicon import (BODY_HEADS, ELLIPSIS_RE, OTHER_REFERENCE_RE, PERSONAL, PERSONAL_RE, PLACE_HEADS, QUESTION_WORDS,
                         TITLE_WORDS)


def needs_context(question: str) -> bool:
    q = question.lower()
    return bool(PERSONAL_RE.search(q) or OTHER_REFERENCE_RE.search(q) or ELLIPSIS_RE.search(q)
                or len(q.split()) <= 3)


def topic(question: str) -> str:
    """The previous question without its question words: "Who is Ada Lovelace?" -> "Ada Lovelace"."""
    tokens = question.strip().rstrip("?").split()
    while tokens and tokens[0].lower() in QUESTION_WORDS:
        tokens = tokens[1:]
    return " ".join(tokens)


CONTEXT_RE = re.compile(r"^(?P<focus>.*?)\s*\(about: (?P<context>.*)\)\??$", re.DOTALL)
MAX_CONTEXT_WORDS = 16


def split_context(question: str) -> tuple[str, str]:
    """("Why did they do that?", "the two leaders sign") from a condensed question."""
    m = CONTEXT_RE.match(question)
    if not m:
        return question, ""
    return m.group("focus").rstrip("?") + "?", m.group("context")


def person_of(question: str, context: str, answer: str) -> str:
    """Who "he" or "she" in the next question is: the person a "who" question was answered with
    ("Who is the programme lead for Falcon?" -> "Dr Leila Farouk", not "Falcon"), unless the
    answer only names the question's own person again ("Who is Sergey Lavrov?"); else the
    question's name, its context's, or the answer's."""
    asked = names(question)
    if analyse(question).answer_type == "person":
        new = [n for n in names(answer) if not any(a in n or n in a for a in asked) and personal(n)]
        again = [a for a in asked if personal(a) and any(a in n for n in names(answer))]
        if new and not again:
            return new[0]
    return next(iter(asked or names(context) or names(answer)), "")


def personal(name: str) -> bool:
    """Could the name be a person's? Two or more words, none a single letter or written in capitals,
    and not ending like the name of a body or a place ("Band C", "NHS Trust", "Harbour Square" are
    nobody); or one word after a title ("Ms Kowalski")."""
    tokens = name.split()
    if len(tokens) < 2 or any(len(t) == 1 or t.isupper() for t in tokens):
        return False
    return tokens[-1].lower() not in BODY_HEADS | PLACE_HEADS or tokens[0].lower().rstrip(".") in TITLE_WORDS


def condense_offline(question: str, history: list[tuple[str, str]]) -> str:
    """history: (standalone question, answer text) pairs, oldest first."""
    if not history or not needs_context(question):
        return question
    prev_standalone, prev_a = history[-1]
    prev_q, prev_context = split_context(prev_standalone)
    person = person_of(prev_q, prev_context, prev_a)
    resolved = question
    if person:
        def swap(m: re.Match) -> str:
            word = m.group(0)
            return PERSONAL[word.lower()].format(person)
        resolved, n = PERSONAL_RE.subn(swap, question)
        if n and not OTHER_REFERENCE_RE.search(resolved.lower()) and not ELLIPSIS_RE.search(resolved.lower()):
            return resolved
    context = topic(prev_q)
    if prev_context:  # carry one level of older context, bounded
        context = f"{context}; {prev_context}"
    context = " ".join(context.split()[:MAX_CONTEXT_WORDS])
    return f"{resolved.rstrip().rstrip('?')} (about: {context})?"
