"""What a question asks for: its expected answer type and the names it mentions.

Answer types let the offline answerer refuse on-topic questions whose evidence
lacks the kind of thing asked for (a number, a date, a person, a place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import STOPWORDS, stem, words

COUNT_WORDS = "two three four five six seven eight nine ten eleven twelve dozen dozens".split()
MAGNITUDE_WORDS = ("hundred hundreds thousand thousands million millions billion billions trillion "
                   "percent half quarter twice double triple").split()
MONTHS = ("january february april june july august september october november december "
          "jan feb apr jun jul aug sept oct nov dec").split()  # "may", "march": verbs too
# "May" and "March" are months when capitalised inside a sentence ("a hearing in May")
MONTH_CAPS_RE = re.compile(r"(?<=[a-z,] )(?:May|March)\b")
AGO_RE = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few) (years?|months?|weeks?|days?|decades?|centuries) ago\b")
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()

TYPE_PATTERNS = [
    ("date", r"^(when)\b|\b(what|which) (year|date|day|month|time)\b|\bwhat time\b|\bhow long ago\b|\bon what date\b|\bin what year\b"),
    ("number", r"\bhow (many|much|long|old|often|large|big)\b|\b(what|which) (percentage|number|amount|share|proportion|volume|value|size|total|figure|sum|price|cost)\b|\bthe (number|amount|volume|value|size|total|cost|price|percentage) of\b"
               # "what is the acceptance rate", "what dosage of": a measure asked for (the head of what
               # is asked, within its first words; not "what code pulls the rate feed") is a figure
               r"|^(what|which) ((is|are|was|were) )?(the )?([\w'\-]+ ){0,3}?(rate|temperature|speed|dosage|dose|percentage|average|price|cost|salary|wage|revenue|budget|population|height|length|weight|distance|duration|amounts?)\b"),
    ("person", r"^(who|whom|whose)\b|\b(which|what) (person|leader|official|minister|journalist|photographer|reporter|spokesman|spokesperson|president|diplomat)\b|\bname of the\b|\bwho\b"),
    ("place", r"^where\b|\b(which|what) (city|cities|country|countries|place|places|location|locations|venue|capital|region|regions|sea|seas|ocean|building|province|town|port|base)\b|\bwhere\b"),
]

QUESTION_WORDS = {"what", "who", "whom", "whose", "where", "when", "why", "how", "which", "is", "are",
                  "was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "has",
                  "have", "had", "tell", "explain", "describe", "and", "according", "in", "on", "list",
                  "name", "give", "summarize", "summarise", "please", "i", "so", "but", "then", "also"}
NAME_RE = re.compile(r"\b[A-Z][a-zA-Z’'\-]*(?:\s+[A-Z][a-zA-Z’'\-]*)*")


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    answer_type: str  # number | date | person | place | other
    names: tuple[str, ...]  # capitalised name phrases, e.g. ("Sergey Lavrov",)


def answer_type(question: str) -> str:
    q = " ".join(question.lower().split())
    for kind, pattern in TYPE_PATTERNS:
        if re.search(pattern, q):
            return kind
    return "other"


def names(text: str) -> tuple[str, ...]:
    """Capitalised phrases, skipping a leading question word ("Who", "What did")."""
    found = []
    for m in NAME_RE.finditer(text):
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
        counted = re.search(r"\bhow many\s+(?:of\s+the\s+)?([a-z\-]+)(?:\s+([a-z\-]+))?", question.text.lower())
        if counted:  # "how many hugs": a count must stand just before "hugs" ("dengue cases": or "cases")
            targets = {stem(w) for w in counted.groups() if w and w not in STOPWORDS}
            toks = words(sentence)
            if toks and all(is_count(x) or x in STOPWORDS for x in toks) and any(map(is_count, toks)):
                return True  # the bare count ("33", "about five"): the question says what it counts
            return any(stem(t) in targets and any(map(is_count, toks[max(0, i - 3):i])) for i, t in enumerate(toks))
        return bool(re.search(r"\d", sentence)) or any(re.search(rf"\b{w}\b", low) for w in MAGNITUDE_WORDS)
    if kind == "date":
        if MONTH_CAPS_RE.search(sentence) or AGO_RE.search(low):
            return True
        return bool(re.search(r"\b(1[6-9]|20)\d{2}\b", sentence)) or any(
            re.search(rf"\b{w}\b", low) for w in MONTHS + WEEKDAYS + ["yesterday", "today", "tomorrow"])
    if kind in ("person", "place"):
        asked = {w.lower() for n in question.names for w in n.split()}
        body = sentence.split(None, 1)[1] if " " in sentence else ""
        return any(w.lower() not in asked and not common(w) for n in names(body) for w in n.split())
    return True


def is_count(word: str) -> bool:
    """A figure ("33", "20,000") or a count or magnitude word ("five", "million"), lower-cased."""
    return bool(re.fullmatch(r"\d[\d,.]*", word)) or word in COUNT_WORDS or word in MAGNITUDE_WORDS


PLACE_PREPOSITIONS = {"in", "at", "to", "near", "from", "inside", "outside", "across"}


def anchored(sentence: str, question: QuestionInfo, common=lambda name: False, window: int = 8) -> bool:
    """Does a new, uncommon name stand next to the question's own words? For a
    person: within `window` words either side ("Lavrov has described" for "Who
    described ..."). For a place: after them, behind a preposition ("meeting ...
    in Beijing" for "Where did they meet?", not "conflict in Ukraine, the meeting")."""
    from .text import content_terms

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
