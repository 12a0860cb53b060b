"""What a question asks for: its expected answer type, the names it mentions and its specifics.

Answer types let the offline answerer refuse on-topic questions whose evidence lacks the kind of
thing asked for (a clock time, a price, a person, a place). The kinds of value are recognised by
rag.values (times, dates, money, quantities, codes ...); people and places by the names a
sentence brings. The specifics of a question (its codes, versions, figures and the word each
belongs to: "room 14", "E42", "Heron 3.0") are what its answer must be about: a passage that
gives a neighbouring room, code or version does not answer it (rag.answering.answerable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.lexicon import (
    AGO_RE,
    ANSWER_TYPES,
    COUNT_WORDS,
    DATE_WORDS,
    DIGITS_RE,
    HOW_MANY_RE,
    LOCATIVE_PREPOSITIONS,
    MAGNITUDE_WORDS,
    NAME_RUN_RE,
    PLACE_PREPOSITIONS,
    QUESTION_WORDS,
    TIME_WINDOW_WORDS,
)
from rag.text import STOPWORDS, content_terms, stem, words
from rag.values import Value, labelled, values

# what an answer lacks when it lacks the asked-for kind of thing, for refusal messages
TYPE_REASON = {"number": "no figure", "date": "no date", "person": "no name", "place": "no place", "time": "no time",
               "duration": "no duration", "money": "no price or amount", "percentage": "no percentage",
               "quantity": "no quantity", "phone": "no phone number", "email": "no e-mail address", "url": "no web address",
               "version": "no version", "code": "no code"}
NAMED = ("person", "place")  # kinds an answer gives as a name, not as a value


@dataclass(frozen=True)
class Specific:
    """A value the question is about, and the word before it when that names what it is
    ("room" of "room 14", "heron" of "Heron 3.0"); "" when nothing does."""

    value: Value
    head: str = ""


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    answer_type: str  # the first of lexicon.ANSWER_TYPES that matches, or "other"
    names: tuple[str, ...]  # capitalised name phrases, e.g. ("Ada Lovelace",)
    accept: frozenset[str] = frozenset()  # the kinds of value or name an answer may give
    specifics: tuple[Specific, ...] = ()


def answer_kind(question: str) -> tuple[str, frozenset[str]]:
    q = " ".join(question.lower().split()).replace("’", "'")
    for kind, pattern, accept in ANSWER_TYPES:
        if re.search(pattern, q):
            return kind, frozenset(accept)
    return "other", frozenset()


def answer_type(question: str) -> str:
    return answer_kind(question)[0]


def names(text: str) -> tuple[str, ...]:
    """Capitalised phrases, skipping a leading question or stop word ("Who", "What did", "Who's",
    "I'm", "My")."""
    found = []
    for m in NAME_RUN_RE.finditer(text):
        tokens = m.group().split()
        while tokens and tokens[0].lower().replace("’", "'").split("'")[0] in QUESTION_WORDS | STOPWORDS:
            tokens = tokens[1:]
        if len(tokens) == 1 and m.group() == tokens[0] and not text[:m.start()].strip():
            continue  # one capitalised word opening the text says nothing ("Roughly how many ...")
        if tokens:
            found.append(" ".join(tokens))
    return tuple(dict.fromkeys(found))


def specifics(question: str) -> tuple[Specific, ...]:
    """The question's values that say what it is about (not those it asks for, which it cannot
    hold), each with the word before it: "How much is room 14?" -> (14, "room")."""
    out = []
    for v in values(question):
        if v.kind == "date" and v.norm.isalpha():
            continue  # a day of the week is read loosely ("on a Tuesday" against "Mon-Fri")
        label = labelled(v)
        if label:  # "Room 14" is room 14 however it is written
            out.append(Specific(label[1], label[0]))
            continue
        before = words(question[:v.start])
        if v.kind == "duration" and before and before[-1] in TIME_WINDOW_WORDS:
            continue  # "over the past 30 years" frames the question, it is not what it is about
        # a head names a bare number or code ("room 14", "version 3"); an amount's unit names it already
        labelled_kind = v.kind in ("number", "version", "code")
        head = before[-1] if labelled_kind and before and before[-1] not in STOPWORDS and not before[-1].isdigit() else ""
        out.append(Specific(v, head))
    return tuple(out)


@lru_cache(maxsize=512)
def analyse(question: str) -> QuestionInfo:
    """(Kept for the few questions asked now: the engine, the coverage check, the answerer and the
    guard each read the same question.)"""
    kind, accept = answer_kind(question)
    return QuestionInfo(question, kind, names(question), accept, specifics(question))


def has_type(sentence: str, kind: str, question: QuestionInfo, common=lambda name: False) -> bool:
    """Does the sentence contain something of the asked-for kind?

    A value kind (a time, a price, a code ...) is read by rag.values: any kind the question
    accepts will do ("when" takes a date, a time or a duration). For a person or place that is a
    name the question does not already hold and that is not `common` (a name the documents mention
    nearly everywhere, such as their main subjects, answers no "who" or "where")."""
    if kind in NAMED:
        asked = {w.lower() for n in question.names for w in n.split()}
        body = sentence.split(None, 1)[1] if " " in sentence else ""
        if any(w.lower() not in asked and not common(w) and not (kind == "person" and w.isupper() and len(w) > 1)
               for n in names(body) for w in n.split()):  # ("UAT" or "NHS" is nobody)
            return True
        if {v.kind for v in values(sentence)} & (question.accept - set(NAMED)):  # "room G.07"
            return True
        return kind == "place" and located(sentence, question)
    if kind == "other":
        return True
    found = {v.kind for v in values(sentence)}
    accept = question.accept or frozenset({kind})
    if kind == "number" and HOW_MANY_RE.search(question.text.lower()):
        return counted(sentence, question)  # "how many employees": a count of employees, not a budget
    if found & accept:
        return True
    if "date" in accept:  # "yesterday", "three years ago"
        return bool(AGO_RE.search(sentence.lower()) or any(w.split("'")[0] in DATE_WORDS for w in words(sentence)))
    if "number" in accept:
        return any(w.split("'")[0] in MAGNITUDE_WORDS or w in COUNT_WORDS for w in words(sentence))
    return False


def located(sentence: str, question: QuestionInfo, window: int = 3) -> bool:
    """A place said without a name: a word of the question, then within `window` words a
    preposition that places ("on", "behind", "at") and a word that is no stop word, date or time
    ("Visitors park on level minus two" for "Where do visitors park?")."""
    asked = set(content_terms(question.text))
    toks = words(sentence)
    for i, t in enumerate(toks):
        if stem(t) not in asked:
            continue
        for j in range(i + 1, min(i + 1 + window, len(toks) - 1)):
            nxt = toks[j + 1]
            if toks[j] in LOCATIVE_PREPOSITIONS and nxt not in STOPWORDS and not nxt[0].isdigit() \
                    and nxt not in DATE_WORDS:
                return True
    return False


def counted(sentence: str, question: QuestionInfo) -> bool:
    """"how many hugs": a count must stand just before "hugs" ("dengue cases": or "cases"), or
    the sentence is the bare count ("33", "about five")."""
    targets = {stem(w) for w in HOW_MANY_RE.search(question.text.lower()).groups() if w and w not in STOPWORDS}
    toks = words(sentence)
    if toks and all(is_count(x) or x in STOPWORDS for x in toks) and any(map(is_count, toks)):
        return True
    if any(stem(t) in targets and any(map(is_count, toks[max(0, i - 3):i])) for i, t in enumerate(toks)):
        return True
    # or right after a verb of the question: "Serves 4" for "How many people does it serve?"
    verbs = set(content_terms(question.text)) - targets
    return any(stem(t) in verbs and i + 1 < len(toks) and is_count(toks[i + 1]) for i, t in enumerate(toks))


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
