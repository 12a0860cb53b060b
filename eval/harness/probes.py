"""Unanswerable test cases made without a model, from a collection's own names (`rag eval --generate`).

Two kinds: a made-up person (the first name of one person in the collection, the surname of
another, checked to occur nowhere), and figure questions about a real name that no sentence
naming it gives a figure for, in templates that suit what the collection shows the name to be:
a person, a place or a body (eval/harness/prompts/probe_templates.txt). A name is classed only
on positive evidence from the running text (a person: a title, a speech verb, "'s", "who" or a
he/she; a place: "in X", "at X"), and one whose kind is unclear is left out rather than guessed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

from rag.lexicon import (
    BODY_HEADS,
    COUNT_WORDS,
    DATE_WORDS,
    IRREGULAR,
    MAGNITUDE_WORDS,
    NAME_RUN_RE,
    PERSONAL_RE,
    PLACE_HEADS,
    PLACE_PREPOSITIONS,
    STOPWORDS,
    TITLE_WORDS,
    WORD_RE,
)

from .generation import Doc, read_prompt
from .words import ADJECTIVE_ENDINGS, DEMONYM_ENDINGS, DESCRIBING_ENDINGS, REPORTING_VERBS, SOURCE_CUES, SPEECH_VERBS

MONTH_VERBS = ("May", "March")  # months that DATE_WORDS leaves out, being verbs too: "in May" names no place
# After these and "the", a name reads as a place ("in the United States"); a body is also written
# "to", "from" or "at the X" ("a letter to the Authority").
PLACE_ONLY = PLACE_PREPOSITIONS - {"to", "from", "at"}
# Right before a bare name, these make it a place ("in Beijing", "at Dunmore"); "to" and "from" do
# not, being as often said of a body or a brand ("according to Reuters", "competition from Twitter").
PLACE_BEFORE = PLACE_PREPOSITIONS - {"to", "from"}


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
    after_place: int = 0  # right after "in", "at", "near", ...: "in Beijing", "at Dunmore" (not "in Putin's view")
    after_the: int = 0  # "the Kremlin"
    in_the: int = 0  # "in the United States": read as a place, though written with "the"
    after_on: int = 0  # "on Instagram", "on the Capitol": never a place
    as_source: int = 0  # "told Reuters", "according to Reuters": a source or a listener, not a place
    reports: int = 0  # followed by a reporting verb: "the Harbour Authority said", "Kowalski said"
    modifies: int = 0  # followed by a lower-case content word, as an adjective: "Russian economy"
    titled: int = 0  # right after a title word: "striker Paolo Guerrero", "Mr Goodwin"
    person: int = 0  # with evidence of a person (see _record), or a he/she/his/her after it (see _uses)


class _Seen(NamedTuple):
    """One run of name words in a sentence, with what is around it."""

    words: tuple[str, ...]
    opens: bool  # opens the sentence
    before: list[str]  # the up to two words right before it, lower-cased
    after: str | None  # the lower-case word right after it
    possessive: bool  # "Xi's", "Hughes'"
    who: bool  # followed by "who" or ", who"
    start: int  # where it starts and ends in the sentence
    end: int


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
    "the harbour" occurs). A possessive ends a run ("Ukraine's").

    A he/she/his/her later in a sentence is evidence of a person for each run before it; one that
    opens the next sentence (before any name in it), for the first run of the sentence before."""
    from rag.text import sentences

    def name_word(w: str, strict: bool) -> bool:
        return (len(w) > 1 and w.isalpha() and w[0].isupper() and w[1:].islower() and w not in MONTH_VERBS
                and w.casefold() not in STOPWORDS and w.casefold() not in DATE_WORDS
                and not (strict and w.casefold() in lower_words))

    uses: dict[tuple[str, ...], _Uses] = {}
    for doc in docs:
        seen: set[str] = set()
        last: list[_Seen] = []  # the runs of the sentence before
        for line in doc.text.splitlines():
            if _heading(line):
                last = []
                continue
            for sentence in sentences(line):
                runs = list(_runs(sentence, name_word))
                pronouns = [m.start() for m in PERSONAL_RE.finditer(sentence)]
                if last and pronouns and pronouns[0] < min((r.start for r in runs), default=len(sentence)):
                    uses[last[0].words].person += 1  # "Weaver died on Monday. She was ...": its first name
                if sentence not in seen:
                    seen.add(sentence)
                    for r in runs:
                        _record(uses.setdefault(r.words, _Uses(doc.name)), r, any(p >= r.end for p in pronouns))
                last = runs
    return uses


def _bare(token: str) -> str:
    """A token without its possessive: "Xi’s" -> "Xi", "Hughes'" -> "Hughes"."""
    if token.endswith(("’s", "'s")):
        return token[:-2]
    return token[:-1] if token.endswith(("s'", "s’")) else token


def _runs(sentence: str, name_word: Callable[[str, bool], bool]) -> Iterator[_Seen]:
    """Each run of name words in a sentence, with what is around it."""
    for m in NAME_RUN_RE.finditer(sentence):
        before, rest = sentence[:m.start()], sentence[m.end():]
        tokens = [(m.start() + t.start(), t.group()) for t in re.finditer(r"\S+", m.group())]
        raw = [t for _, t in tokens]
        opens = not before.strip(" \"“‘'([")
        context = [w.casefold() for w in before.split()[-2:]] if before[-1:].isspace() else []
        follower = re.match(r"\s+([a-z]+)\b", rest)
        who = re.match(r",?\s+who\b", rest) is not None
        run: list[str] = []
        start = 0
        for i, token in enumerate(raw + [""]):  # "" ends the last run
            word = _bare(token)
            taken = bool(word) and name_word(word, opens and i == 0)
            if taken:
                start = start if run else i
                run.append(word)
                if word == token:
                    continue  # (a possessive ends the run)
            if run and (len(run) > 1 or name_word(run[0], True)):
                prior = (context + [w.casefold() for w in raw[:start]])[-2:]
                at_end = i == len(raw)
                end = tokens[i if taken else i - 1]
                yield _Seen(tuple(run), opens and start == 0, prior, follower[1] if follower and at_end else None,
                            taken and word != token, who and at_end, tokens[start][0], end[0] + len(end[1]))
            run = []


def _record(use: _Uses, seen: _Seen, pronoun_after: bool) -> None:
    """Count one use, as _runs gives it, with whether a he/she/his/her follows it in its sentence."""
    before, after = seen.before, seen.after
    prev = before[-1] if before else ""
    cue = prev.rstrip(".,;:")  # "Gen. John Campbell", "her daughter, Thelma Holloway"
    use.count += 1
    use.inside += not seen.opens
    use.after_place += prev in PLACE_BEFORE and not seen.possessive
    use.after_the += prev == "the"
    use.in_the += prev == "the" and len(before) == 2 and before[0] in PLACE_ONLY
    use.after_on += prev == "on" or before == ["on", "the"]
    use.as_source += prev in SOURCE_CUES or " ".join(before) in SOURCE_CUES
    use.titled += cue in TITLE_WORDS
    use.person += (cue in TITLE_WORDS or (cue in SPEECH_VERBS and cue != "told")  # "said Ben Montgomery"
                   or after in SPEECH_VERBS or seen.possessive or seen.who or pronoun_after)
    if after:
        use.reports += after in REPORTING_VERBS or after in SPEECH_VERBS
        use.modifies += (after not in STOPWORDS and after not in REPORTING_VERBS and after not in IRREGULAR
                         and not after.endswith("ed"))  # a noun, not a verb in the past ("Dunmore cleaned")


def _plural(word: str, lower_words: set[str]) -> bool:
    """A plural whose singular the collection writes in lower case: "Airlines" ("airline"), "Times"."""
    w = word.casefold()
    singulars = {w[:-1], w[:-2] if w.endswith("es") else "", w[:-3] + "y" if w.endswith("ies") else ""}
    return w.endswith("s") and not w.endswith("ss") and bool(singulars & lower_words)


def _kind(words: tuple[str, ...], use: _Uses, lower_words: set[str]) -> str | None:
    """"place", "body" or None (unclear: better no figure question than a wrong one) for a run of
    capitalised words that is no person's name."""
    if use.inside < 2 or 2 * use.modifies > use.count:
        return None  # capitalised perhaps only as a sentence's first word; or mostly an adjective ("Western sanctions")
    if len(words) == 1 and words[0].endswith(DEMONYM_ENDINGS):
        return None
    head = words[-1].casefold()
    if (use.after_place and not use.reports and not use.after_on and not use.as_source
            and head not in BODY_HEADS and not _plural(words[-1], lower_words)):
        return "place"  # "in Beijing", and never "Beijing said", "on Beijing" nor "told Beijing"; not "at Purdue University"
    if use.after_the and use.reports and not use.after_place and not use.in_the and head not in PLACE_HEADS:
        return "body"  # "the Harbour Authority said"
    return None


def _person_words(run: tuple[str, ...], use: _Uses, adjectives: set[str]) -> tuple[tuple[str, ...], bool]:
    """(the words of a run that can be a person's name, whether a title came first): the words after
    its last title word ("Foreign Minister Sergey Lavrov" -> "Sergey Lavrov"); of three words, the
    last two when the first describes ("American Jeralean Talley": a demonym, or a word used as an
    adjective) and no title came first; none of more."""
    titles = [i for i, w in enumerate(run[:-1]) if w.casefold() in TITLE_WORDS]  # (not "Stephen King")
    words = run[titles[-1] + 1:] if titles else run
    if len(words) == 3 and not (titles or use.titled) and (words[0].endswith(DESCRIBING_ENDINGS)
                                                           or words[0] in adjectives):
        words = words[1:]
    return (words if len(words) <= 3 else ()), bool(titles)


def _names(docs: list[Doc], corpus: str) -> tuple[list[Name], list[Name]]:
    """(people, places and bodies) named in the collection's running text, most used first.

    A person is a name of two or three words (_person_words) with evidence of one: the name, or its
    last word alone (of two words, either word alone: "Xi's remarks"), after a title word ("striker
    Paolo Guerrero", "Mr Goodwin") or "said", or followed by a speech verb ("Montgomery told"), "'s" or
    "who", or by a he/she/his/her later in its sentence or opening the next. It is none when its words
    are written in lower case, it is written "the X" (but for "the Foreign Minister X"), it or its
    last word is written "in X", "at X" or "near X", its last word is a plural ("Airlines": "airline"
    occurs) or names a body or a place ("Times", "University", "America"), or its first word reads as
    a demonym ("Saudi", "Arabian") and is not itself used as a person ("Julian said").

    A place or body is any other run used mid-sentence at least twice, sharing no word with a person,
    not mostly followed by a lower-case noun (an adjective or demonym: "Russian economy") and classed
    by _kind: a place when written "in X", "at X" or "near X", never "on X", "told X", "according to X"
    nor "X said", and not named as a body ("Purdue University") or a plural; a body when written "the X"
    and followed by a reporting verb ("the Harbour Authority said"). Other runs are left out."""
    lower_words = {w for w in WORD_RE.findall(corpus) if w.islower()}
    uses = _uses(docs, lower_words)
    adjectives = {run[0] for run, use in uses.items()  # mostly "American supremacy", ...
                  if len(run) == 1 and 2 * use.modifies > use.count}
    named: dict[tuple[str, ...], list[tuple[_Uses, bool]]] = {}  # person words -> their runs' uses
    for run, use in uses.items():
        words, titled = _person_words(run, use, adjectives)
        if words:
            named.setdefault(words, []).append((use, titled))

    def evidence(word: str) -> bool:  # a word alone ("Montgomery told", "Mr Goodwin") used as a person
        return any(use.person or titled for use, titled in named.get((word,), []))

    def placed(words: tuple[str, ...]) -> bool:  # written "in X", "at X", "near X"
        return any(use.after_place for use, _ in named.get(words, []))

    people: Counter = Counter()
    first_doc: dict[tuple[str, ...], str] = {}
    for words, runs in named.items():
        if (len(words) < 2 or any(w.casefold() in lower_words for w in words)
                or any(use.after_the and not titled for use, titled in runs)
                or placed(words) or placed(words[-1:])
                or words[-1].casefold() in BODY_HEADS | PLACE_HEADS or _plural(words[-1], lower_words)
                or (words[0].endswith(ADJECTIVE_ENDINGS) and not evidence(words[0]))):
            continue
        if (any(use.person or titled for use, titled in runs) or evidence(words[-1])
                or (len(words) == 2 and evidence(words[0]))):
            people[words] += sum(use.count for use, _ in runs)
            first_doc[words] = runs[0][0].doc  # (uses are in document order)
    in_people = {w for words in people for w in words}
    others = []
    for words, use in uses.items():
        kind = None if in_people.intersection(words) else _kind(words, use, lower_words)
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
            if first == last or made_up.casefold() in folded or re.search(
                    rf"\b{re.escape(first)}(?:\s+[A-Z]\S*){{1,2}}\s+{re.escape(last)}\b", corpus):
                continue  # (nor a real name with a middle one: "John Joseph Hughes" for "John Hughes")
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
