"""Does a passage cover what the question is about? Its specifics, compared as normal forms.

A question about "room 14", "error E42" or "Heron 3.0" is answered only from a passage that
gives that room, code or version: a neighbouring one ("room 12", "E40", "Heron 2.4") is not an
answer, however close the rest of the wording. Values are compared by their normal form
(rag.values: "4,500" is "4500", "10 pm" is "22:00", "2.5 L" is "2.5 litres"), so the same
specific written another way still counts. A specific with a head word ("room" of "room 14") is
missing from a passage that writes the head with another value ("room 12") and never with this
one; without such a neighbour the value alone will do ("version 3.0" for "Heron 3.0").
"""

from __future__ import annotations

from functools import lru_cache

from rag.question import Specific, analyse
from rag.text import words
from rag.values import labelled, values

HEAD_WINDOW = 2  # words between a head and its value ("room no. 14", "flat 7C")


def _bare(norm: str) -> str:
    return norm.split()[0].rstrip("%")


@lru_cache(maxsize=4096)
def _values(text: str) -> tuple:
    """(norm, bare number, words just before it) for every value of the text."""
    out = []
    for v in values(text):
        label = labelled(v)
        if label:  # "Room 12": the number 12 after the word "room"
            out.append((label[1].norm, label[1].norm, (label[0],)))
        before = words(text[max(0, v.start - 40):v.start])[-HEAD_WINDOW:]
        out.append((v.norm, _bare(v.norm), tuple(before)))
    return tuple(out)


def same(spec: Specific, norm: str, bare: str) -> bool:
    """Is a value of normal form `norm` (bare number `bare`) the specific? A date given in part
    is the whole that holds it ("1989" of "1989-11-09", "11-12" of "2024-11-12"); a figure asked
    in round numbers is the figure written exactly ("78 degrees" of "78.37 degrees")."""
    want = spec.value.norm
    if norm == want:
        return True
    kind = spec.value.kind
    if kind == "date":
        return norm.startswith(want + "-") or norm.endswith("-" + want)
    if kind in ("number", "money", "quantity", "percentage", "duration"):
        want_bare, unit, other = _bare(want), want.split()[1:], norm.split()[1:]
        if unit and other and unit != other:
            return False  # "10 litre" is not "£10.99", nor "10 kg"
        return bare == want_bare or ("." not in want_bare and bare.split(".")[0] == want_bare)
    return False


def covered(spec: Specific, text: str) -> bool:
    """Does `text` give the question's specific (and not only a neighbour of it)?"""
    norm = spec.value.norm
    found = _values(text)
    same_ = [before for n, b, before in found if same(spec, n, b)]
    if not same_:
        return spec.value.kind == "code" and norm in {w.lower() for w in text.split()}
    if not spec.head:
        return True
    if any(spec.head in before for before in same_):
        return True
    neighbours = [before for n, b, before in found if spec.head in before and not same(spec, n, b)]
    return not neighbours


def missing(specifics: tuple[Specific, ...], text: str) -> list[Specific]:
    """The specifics `text` does not cover."""
    return [s for s in specifics if not covered(s, text)]


def unnamed(names: tuple[str, ...], text: str) -> list[str]:
    """The question's names that `text` never mentions: every word of a name, in any case
    ("Northgate Dental" is named by "Northgate Dental Practice"). A question about Fernhill is
    not answered from a document that never mentions Fernhill."""
    stats = _stats(text)  # stems: "Breezo's" is named by "Breezo", "Fridays" by "Fri"; "United States" by "US"
    return [n for n in names if not stats.mentions(n)]


@lru_cache(maxsize=64)
def _stats(text: str):
    from rag.index.corpus import CorpusStats

    return CorpusStats([text])


def evidence(passage) -> str:
    """Where a passage's specifics are looked for: the passage under its title and heading, and
    the rest of its document ("18 Rowan Terrace" heads a letter whose third paragraph is the
    answer). A neighbouring specific anywhere in it still rules the passage out."""
    whole = _document(passage.path)
    return f"{passage.evidence}\n{whole}" if whole else passage.evidence


def _document(path: str) -> str:
    import os

    try:
        return _read(path, os.stat(path).st_mtime)
    except OSError:
        return ""


@lru_cache(maxsize=64)
def _read(path: str, mtime: float) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def covering(question: str, passages: list) -> tuple[list, list[str]]:
    """The passages whose documents give every specific of the question (room, code, version,
    figure, date), and what the closest of the others lacks when none does: what any answerer
    is given to read. A question with no specifics keeps every passage."""
    wanted = analyse(question).specifics
    if not wanted or not passages:
        return passages, []
    gaps = {p.number: missing(wanted, evidence(p)) for p in passages}
    kept = [p for p in passages if not gaps[p.number]]
    return kept, ([] if kept else [f"{s.head} {s.value.text}".strip() for s in min(gaps.values(), key=len)])
