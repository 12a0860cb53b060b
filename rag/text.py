"""Small text utilities shared by answering, verification and evaluation.

Sentence spans come from the Punkt model that llama-index bundles (no download);
words are lower-cased, stop words dropped and Snowball-stemmed (PyStemmer, which
the BM25 retriever already uses) so "sanctions" matches "sanction".
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
CITATION_RE = re.compile(r"\s*\[(\d{1,3})\]")

# A compact English stop list; question words are stop words for matching.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves tell explain describe according article text say said says
    did does do anything something thing things much many one ones s t ’s 's""".split()
)


@lru_cache(maxsize=1)
def _punkt():
    from llama_index.core.utils import globals_helper

    return globals_helper.punkt_tokenizer


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`, blank lines also split."""
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        base = block.start()
        for s, e in _punkt().span_tokenize(block.group()):
            spans.append((base + s, base + e))
    return spans


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
    return _stemmer().stemWord(word.split("'")[0])


def content_terms(text: str) -> list[str]:
    """Stemmed content words, in order, duplicates kept."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def strip_citations(text: str) -> str:
    return CITATION_RE.sub("", text).strip()


def normalize(text: str) -> str:
    """Lower-case, curly quotes straightened, punctuation dropped: for fact matching."""
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.findall(r"[a-z0-9']+", text))
