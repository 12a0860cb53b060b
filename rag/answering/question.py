"""What a question asks for: its expected answer type and the names it mentions.

Answer types let the offline answerer refuse on-topic questions whose evidence
lacks the kind of thing asked for (a number, a date, a person, a place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.lexicon import (
    AGO_RE,
    ANSWER_TYPES,
    COUNT_WORDS,
    DATE_WORDS,
    DIGITS_RE,
    HOW_MANY_RE,
    MAGNITUDE_WORDS,
    MONTH_CAPS_RE,
    NAME_RUN_RE,
    PLACE_PREPOSITIONS,
    QUESTION_WORDS,
    YEAR_RE,
)
from rag.text import STOPWORDS, content_terms, stem, words

# what an answer lacks when it lacks the asked-for kind of thing, for refusal messages
TYPE_REASON = {"number": "no figure", "date": "no date", "person": "no name", "place": "no place"}


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    answer_type: str  # number | date | person | place | other
    names: tuple[str, ...]  # capitalised name phrases, e.g. ("Ada Lovelace",)


def answer_type(question: str) -> str:
    q = " ".join(question.lower().split())
    for kind, pattern in ANSWER_TYPES:
        if re.search(pattern, q):
            return kind
    return "other"


def names(text: str) -> tuple[str, ...]:
    """Capitalised phrases, skipping a leading question word ("Who", "What did")."""
    found = []
    for m in NAME_RUN_RE.finditer(text):
        tokens = m.group().split()
        while tokens and tokens[0].lower().strip("’'") in QUESTION_WORDS:
            tokens = tokens[1:]
        if tokens:
            found.append(" ".join(tokens))
    return tuple(dict.fromkeys(found))


def analyse(question: str) -> QuestionInfo:
    return QuestionInfo(question, answer_type(question), names(question))


def has_type(sentence: str, kind: str, question: QuestionInfo, common=lambda name: False) -> bool:
    """Does the sentence contain something of the asked-for kind?

    For a person or place that is a name the question does not already hold and
    that is not `common` (a name the documents mention nearly everywhere, such
    as their main subjects, answers no "who" or "where").
    """
    low = sentence.lower()
    if kind == "number":
        counted = HOW_MANY_RE.search(question.text.lower())
        if counted:  # "how many hugs": a count must stand just before "hugs" ("dengue cases": or "cases")
            targets = {stem(w) for w in counted.groups() if w and w not in STOPWORDS}
            toks = words(sentence)
            if toks and all(is_count(x) or x in STOPWORDS for x in toks) and any(map(is_count, toks)):
                return True  # the bare count ("33", "about five"): the question says what it counts
            return any(stem(t) in targets and any(map(is_count, toks[max(0, i - 3):i])) for i, t in enumerate(toks))
        return bool(re.search(r"\d", sentence)) or any(w.split("'")[0] in MAGNITUDE_WORDS for w in words(sentence))
    if kind == "date":
        if MONTH_CAPS_RE.search(sentence) or AGO_RE.search(low):
            return True
        return bool(YEAR_RE.search(sentence)) or any(w.split("'")[0] in DATE_WORDS for w in words(sentence))
    if kind in ("person", "place"):
        asked = {w.lower() for n in question.names for w in n.split()}
        body = sentence.split(None, 1)[1] if " " in sentence else ""
        return any(w.lower() not in asked and not common(w) for n in names(body) for w in n.split())
    return True


def is_count(word: str) -> bool:
    """A figure ("33", "20,000") or a count or magnitude word ("five", "million"), lower-cased."""
    return bool(DIGITS_RE.fullmatch(word)) or word in COUNT_WORDS or word in MAGNITUDE_WORDS


def anchored(sentence: str, question: QuestionInfo, common=lambda name: False, window: int = 8) -> bool:
    """Does a new, uncommon name stand next to the question's own words? For a
    person: within `window` words either side ("Lovelace has described" for "Who
    described ..."). For a place: after them, behind a preposition ("meeting ...
    in Paris" for "Where did they meet?", not "strikes in Lyon, the meeting")."""
    asked = {w.lower() for n in question.names for w in n.split()}
    q_terms = set(content_terms(question.text)) - {stem(w) for w in asked}
    tokens = words(sentence)
    hits = [i for i, t in enumerate(tokens) if stem(t) in q_terms]
    fresh = {w.lower() for n in names(sentence.split(None, 1)[1] if " " in sentence else "")
             for w in n.split() if w.lower() not in asked and not common(w)}
    spots = [i for i, t in enumerate(tokens) if t in fresh]
    if question.answer_type == "place":
        return any(0 < j - i <= window and tokens[j - 1] in PLACE_PREPOSITIONS for i in hits for j in spots)
    return any(abs(i - j) <= window for i in hits for j in spots)
