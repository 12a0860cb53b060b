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

from rag.answering.question import names
from rag.lexicon import ELLIPSIS_RE, OTHER_REFERENCE_RE, PERSONAL, PERSONAL_RE, QUESTION_WORDS


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


def condense_offline(question: str, history: list[tuple[str, str]]) -> str:
    """history: (standalone question, answer text) pairs, oldest first."""
    if not history or not needs_context(question):
        return question
    prev_standalone, prev_a = history[-1]
    prev_q, prev_context = split_context(prev_standalone)
    person = next(iter(names(prev_q) or names(prev_context) or names(prev_a)), "")
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
