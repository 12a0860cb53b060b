"""Unanswerable test cases made without a model, from a collection's own names (`rag eval --generate`).

Two kinds: a made-up person (the first name of one name in the collection, the surname of
another, checked to occur nowhere), and figure questions about a real name that no sentence
naming it gives a figure for, in templates that suit what the collection shows the name to be:
a person, a place or a body (eval/harness/prompts/probe_templates.txt). A name whose kind is
unclear is left out rather than guessed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator

from rag.lexicon import (
    COUNT_WORDS,
    DATE_WORDS,
    IRREGULAR,
    MAGNITUDE_WORDS,
    NAME_RUN_RE,
    PLACE_PREPOSITIONS,
    REPORTING_VERBS,
    STOPWORDS,
    WORD_RE,
)

from .drafts import Doc, read_prompt

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
    for line in read_prompt("probe_templates").splitlines():
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
