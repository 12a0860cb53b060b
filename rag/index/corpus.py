"""Corpus statistics over the indexed chunks: document frequencies for IDF weights, the words
the documents use, and the acronyms they write, for the answerer's name checks.

Built with the keyword index from every chunk (rag.index.derived) and saved beside it.
"""

from __future__ import annotations

import math
from collections import Counter

from rag.lexicon import ACRONYM_RE, SPELLED_NAME_RE
from rag.text import content_terms, stem, words


class CorpusStats:
    """Document frequencies over the indexed chunks, for IDF weights and name checks."""

    def __init__(self, texts: list[str]) -> None:
        self.n = max(len(texts), 1)
        self.df: Counter[str] = Counter()
        self.words: set[str] = set()
        self.acronyms: set[str] = set()  # "US" for "U.S.", "HHS": capitals the text writes as one name
        for t in texts:
            self.df.update(set(content_terms(t)))
            self.words.update(words(t))
            self.acronyms.update(acronyms(t))

    def to_dict(self) -> dict:
        return {"n": self.n, "df": dict(self.df), "words": sorted(self.words), "acronyms": sorted(self.acronyms)}

    @classmethod
    def from_dict(cls, data: dict) -> CorpusStats:
        stats = cls([])
        stats.n, stats.df, stats.words = int(data["n"]), Counter(data["df"]), set(data["words"])
        stats.acronyms = set(data["acronyms"])  # a copy saved before acronyms were kept fails here and is rebuilt
        return stats

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (self.df.get(term, 0) + 0.5))

    def share(self, word: str) -> float:
        """Share of chunks that contain the word."""
        return self.df.get(stem(word.lower()), 0) / self.n

    def mentions(self, name: str) -> bool:
        """True when every word of the name occurs in the documents, or the name's initials do as an
        acronym ("United States" where they write "U.S."), or the name is an acronym they write out
        or dot ("US" for "U.S.", "United States")."""
        known = lambda w: w in self.words or stem(w) in self.df  # noqa: E731
        tokens = name.replace("-", " ").split()
        caps = capitalised(tokens)
        if len(caps) > 1 and initials(caps) in self.acronyms:
            return True
        return all(all(known(w) for w in words(t)) or (t.isupper() and t.lower() in self.acronyms) for t in tokens)




def capitalised(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t[:1].isupper()]


def initials(tokens: list[str]) -> str:
    """"us" for ["United", "States"]: the acronym a name's capitalised words make."""
    return "".join(t[0] for t in tokens).lower()


def acronyms(text: str) -> set[str]:
    """Acronyms a text writes ("U.S." and "HHS" as "us", "hhs") and the initials of the capitalised
    names it spells out ("United States" as "us"; "Department of Health and Human Services" as "dhhs",
    and as "hhs" from its words after the first)."""
    found = {m.group().replace(".", "").lower() for m in ACRONYM_RE.finditer(text)}
    for m in SPELLED_NAME_RE.finditer(text):
        caps = capitalised(m.group().split())
        found.update({initials(caps), initials(caps[1:])})
    return {a for a in found if len(a) >= 2}
