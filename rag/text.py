"""Small text utilities shared by answering, verification and evaluation.

Sentence spans come from a small rule-based splitter (see sentence_spans);
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


ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st vs etc e.g i.e u.s u.k u.n u.s.a no inc ltd co corp gen gov sen
    rep col lt sgt capt jan feb mar apr jun jul aug sep sept oct nov dec fig approx al ca cf""".split()
)
# End punctuation (plus closing quotes/brackets), white space, then what can start a sentence.
BOUNDARY_RE = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
BLOCK_RE = re.compile(r"[^\n]+(?:\n(?!\s*\n|\s*(?:[-*•#]|\d+[.)])\s)[^\n]+)*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`.

    Written here rather than taken from NLTK's Punkt (which llama-index uses)
    because importing NLTK costs about a second of every cold `rag ask`.
    Blank lines and list items always split; a full stop after a known
    abbreviation ("U.S.", "Dr.") or a single initial ("J.") does not.
    """
    spans: list[tuple[int, int]] = []
    for block in BLOCK_RE.finditer(text):
        start = block.start()
        for m in BOUNDARY_RE.finditer(text, block.start(), block.end()):
            before = text[start : m.start()].rsplit(None, 1)[-1] if text[start : m.start()].strip() else ""
            token = before.lstrip("\"“‘'([").lower()
            if m.group().startswith(".") and (token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token)):
                continue
            spans.append((start, m.end()))
            start = m.end()
            while start < block.end() and text[start].isspace():
                start += 1
        if text[start : block.end()].strip():
            end = block.end()
            while text[end - 1].isspace():
                end -= 1
            spans.append((start, end))
    return spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]


# Past forms of common irregular verbs, which a suffix stemmer cannot relate to their verb
# ("met" / "meeting", "said" / "says"); a paraphrase uses one where the source has the other.
IRREGULAR = dict(pair.split(":") for pair in """met:meet said:say took:take taken:take went:go gone:go made:make
    came:come saw:see seen:see gave:give given:give told:tell found:find thought:think held:hold
    brought:bring began:begin begun:begin kept:keep left:leave led:lead felt:feel became:become
    knew:know known:know built:build sent:send spent:spend paid:pay sold:sell stood:stand
    won:win lost:lose fell:fall fallen:fall rose:rise risen:rise grew:grow grown:grow drew:draw
    drawn:draw chose:choose chosen:choose spoke:speak spoken:speak wrote:write written:write
    bought:buy caught:catch fought:fight sought:seek taught:teach understood:understand
    struck:strike broke:break broken:break drove:drive driven:drive ran:run hit:hit shut:shut""".split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.split("'")[0]
    return _stemmer().stemWord(IRREGULAR.get(word, word))


def content_terms(text: str) -> list[str]:
    """Stemmed content words, in order, duplicates kept."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def strip_citations(text: str) -> str:
    return CITATION_RE.sub("", text).strip()


def normalize(text: str) -> str:
    """Lower-case, curly quotes straightened, punctuation dropped: for fact matching."""
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.findall(r"[a-z0-9']+", text))


# words that open a sentence going on from the one before it ("This shift has ...")
FOLLOW_ON = {"this", "these", "that", "those", "it", "its", "he", "she", "they", "their", "such"}


def opens_with_reference(sentence: str) -> bool:
    first = sentence.split(None, 1)[0].lower().strip("“\"'") if sentence.split() else ""
    return first in FOLLOW_ON
