"""Does a passage support a sentence? A small learned checker over MiniLM and the text.

No entailment model ships its weights on PyPI for offline use, so the judgment
is a logistic regression over features that the bundled MiniLM and the text
give (`features()` below): how much of the claim's wording, word pairs, numbers
and names the passages hold, the best embedding match, negation on one side
only. Its weights are learned by `python -m eval.training.train_support` on the dev
half of HaluEval summarization, synthetic pairs made from other dev documents
(eval/training/synthetic.py) and our labelled pairs, and live in rag/guard/models/support.json
(rag.guard.learned) with the hash of the data they came from.

When a question is given, the claim is read as an answer to it: words the
answer repeats from the question are not asked of the passages twice.

Rules beside the model, each switched by a GuardRules field (rag.guard.rules):
- a sentence found verbatim in a passage it cites is supported;
- a sentence that brings a name or a figure no passage holds is not
  (`invented_specifics`): the checker's shares dilute one invented name among
  many right ones;
- a name part that the other retrieved passages complete is no new name
  (`completed_names`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.guard import learned
from rag.guard.rules import GuardRules
from rag.ingestion.embedding import Embedder
from rag.lexicon import (
    CAPITALISED_RE,
    COUNT_RE,
    GLUED_RE,
    NAME_RUN_RE,
    NEGATION_RE,
    NOT_A_NEGATION_RE,
    NUMBER_RE,
    QUOTED_RE,
)
from rag.text import content_terms, normalize, sentences, stem, words

MODEL = "support.json"

# Every feature is a share or a similarity, none a count or a length: HaluEval's right
# answers are short phrases and its hallucinated ones whole sentences, and a judge
# that could see length would learn that instead of support.
FEATURES = ("lex_all", "lex_new", "bigram_new", "lex_near", "bigram_near", "numbers_novel", "names_novel",
            "sem_max", "sem_second", "negation_mismatch")
NEAR = 2  # the evidence sentences closest to the claim, for the "_near" features
# the direction each feature may push the judgment (eval.training.learn.fit_logistic keeps to it)
SIGNS = {"lex_all": 1, "lex_new": 1, "bigram_new": 1, "lex_near": 1, "bigram_near": 1, "numbers_novel": -1,
         "names_novel": -1, "sem_max": 1, "sem_second": 1, "negation_mismatch": -1}


NEGATION = "(negation)"  # in Support.novel: a negation on one side only


def negated(text: str) -> bool:
    """A negation outside quotation marks: the “no limits” partnership negates nothing, and
    "has not only provided a lifeline but also ..." asserts both."""
    return bool(NEGATION_RE.search(NOT_A_NEGATION_RE.sub(" ", QUOTED_RE.sub(" ", text))))


def figures(text: str) -> set[str]:
    """Numbers ("20,000" as "20000") and count words, lower-cased; a number written against its
    unit or magnitude ("£446million", "350-ft" aside) is the number and the word ("446", "million")."""
    text = GLUED_RE.sub(r"\1 \2", text)
    return {n.rstrip(".,").replace(",", "") for n in NUMBER_RE.findall(text)} | {w.lower() for w in COUNT_RE.findall(text)}


def specifics(text: str) -> tuple[set[str], set[str]]:
    """(numbers, names): figures and mid-sentence capitalised words, lower-cased. The letters of a
    code ("XR" of "XR500-24") are no name: the code is compared whole (novel_codes)."""
    numbers = figures(text)
    text = text.strip()
    names = {m.group().lower().split("’")[0].split("'")[0] for m in CAPITALISED_RE.finditer(text)
             if not text[m.end():m.end() + 1].isdigit()}
    return numbers, names - numbers


def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:]))


@dataclass(frozen=True)
class Support:
    score: float  # probability that the passages support the sentence
    features: dict
    novel: tuple[str, ...]  # numbers / names in the sentence that no passage has, and NEGATION
    quoted: bool = False
    threshold: float = 0.5
    strict: bool = True  # GuardRules.invented_specifics

    @property
    def invented(self) -> bool:
        """Does the sentence bring a name or figure that no passage has?"""
        return any(n != NEGATION for n in self.novel)

    def supported(self, threshold: float | None = None) -> bool:
        return self.quoted or self.checked(threshold)

    def checked(self, threshold: float | None = None) -> bool:
        """The checker's verdict without the verbatim-quote rule."""
        return self.score >= (self.threshold if threshold is None else threshold) and not (
            self.strict and self.invented)


def features(claim: str, passages: list[str], embedder: Embedder, question: str | None = None,
             context: list[str] | None = None, complete_names: bool = True) -> tuple[np.ndarray, tuple]:
    """The feature vector (in FEATURES order) and the novel specifics, for one claim.

    `context`, the other passages retrieved with these, completes names: "Ada Lovelace" is no
    new name against a passage that says "Lovelace" when another passage says "Ada Lovelace"
    (a model writes people's full names wherever the sources gave them once).

    Values are compared in their normal form (rag.values.canonical): "10 pm" is "22:00",
    "12,000 euros" is "12000 eur", so a right answer in other words is not a new figure; codes and
    versions are kept whole, and one that no passage holds ("E43", "2.5") is new."""
    from rag.values import canonical

    claim, passages = canonical(claim), [canonical(p) for p in passages]
    question = canonical(question) if question else question
    evidence = " ".join(passages)
    ev_terms = content_terms(evidence)
    ev_set, ev_pairs = set(ev_terms), _pairs(ev_terms)
    ev_words = set(words(evidence)) | set(ev_terms)
    prefixes = {w[:4] for w in ev_words}
    # names and figures are asked of the passages even when the question has them: a question can
    # carry a false premise ("What did Ada Lovelace say about ...?"), and repeating it supports nothing
    numbers, names = specifics(claim)
    ev_numbers = figures(evidence) | ev_words  # "20,000" is one figure, two words
    novel_numbers = [n for n in numbers if n not in ev_numbers] + novel_codes(claim, evidence)
    novel_names = [n for n in names if n not in ev_words and n[:4] not in prefixes]  # "German" ~ "Germany"
    completed: set[str] = set()
    if novel_names and context and complete_names:
        joined = " ".join(context).lower()
        completed = {n for n in novel_names if completes_name(n, claim, ev_words, joined)}
        novel_names = [n for n in novel_names if n not in completed]
    # a name part the context completes ("Ada" of "Ada Lovelace") is no missing wording either
    terms = [t for t in content_terms(claim) if t not in {stem(n) for n in completed}]
    asked = set(content_terms(question)) if question else set()
    new = [t for t in terms if t not in asked]
    if not new:  # the answer only restates the question ("The city banned cars."): check it whole
        asked, new = set(), terms
    lex_all = sum(t in ev_set for t in terms) / len(terms) if terms else 1.0
    lex_new = sum(t in ev_set for t in new) / len(new) if new else 1.0
    # word pairs the answer brings ("Mumbai based", "started first") must stand together in the passages
    pairs = [p for p in _pairs(terms) if not (p[0] in asked and p[1] in asked)]
    bigram = sum(p in ev_pairs for p in pairs) / len(pairs) if pairs else lex_new  # one word: its own share
    n_new = len(numbers) + len(names)
    ev_sents = [s for p in passages for s in sentences(p)] or passages or [""]
    # an answer is compared with the passages alone and as a whole statement with its question,
    # whichever is closer: "Paris" alone is far from every sentence, "Where did they meet?
    # Paris" is not, while a full sentence is diluted by the question in front of it
    texts = [claim] + ([f"{question} {claim}"] if question else [])
    vecs = embedder.embed([*texts, *ev_sents])
    all_sims = (vecs[len(texts):] @ vecs[:len(texts)].T).max(axis=1)
    order = np.argsort(-all_sims)
    sims = all_sims[order]
    closest = ev_sents[int(order[0])]
    negation = negated(claim) != negated(closest)
    # the same shares against the few closest sentences only: in a long document nearly every
    # word occurs somewhere, but an unsupported sentence's words do not stand together
    near_terms = [t for i in order[:NEAR] for t in content_terms(ev_sents[int(i)])]
    near_set, near_pairs = set(near_terms), _pairs(near_terms)
    lex_near = sum(t in near_set for t in new) / len(new) if new else 1.0
    bigram_near = sum(p in near_pairs for p in pairs) / len(pairs) if pairs else lex_near
    x = np.array([lex_all, lex_new, bigram, lex_near, bigram_near,
                  len(novel_numbers) / n_new if n_new else 0.0, len(novel_names) / n_new if n_new else 0.0,
                  float(sims[0]), float(sims[1] if len(sims) > 1 else sims[0]), float(negation)], dtype=np.float64)
    novel = tuple(sorted(set(novel_numbers + novel_names + ([NEGATION] if negation else []))))
    return x, novel


def novel_codes(claim: str, evidence: str) -> list[str]:
    """The claim's codes and versions (rag.values: "E43", "XR500", "v2.5") that the evidence does
    not hold, each kept whole: "E43" is not supported by a passage about "E42"."""
    from rag.values import values

    codes = [v.norm for v in values(claim) if v.kind in ("code", "version")]
    if not codes:
        return []
    given = {v.norm for v in values(evidence)} | set(evidence.lower().split())
    return [c for c in codes if c not in given]


def completes_name(name: str, claim: str, ev_words: set[str], context: str) -> bool:
    """Is `name` (lower-cased) part of a multi-word name in the claim ("Ada Lovelace") that
    the evidence holds another part of ("lovelace") and the context (lower-cased) holds whole?"""
    for run in NAME_RUN_RE.findall(claim):
        parts = [w.lower() for w in run.split()]
        if name in parts and any(p in ev_words for p in parts if p != name) and run.lower() in context:
            return True
    return False


def quoted(claim: str, passages: list[str]) -> bool:
    """Is the claim (markers and spacing aside) a verbatim part of one passage?"""
    c = normalize(claim)
    return bool(c) and any(c in normalize(p) for p in passages)


class SupportScorer:
    """score(sentence, passages, question=None) -> Support; supports(...) -> bool."""

    def __init__(self, embedder: Embedder, threshold: float | None = None, model: dict | None = None,
                 rules: GuardRules | None = None) -> None:
        self.embedder = embedder
        self.model = model or learned.load(MODEL, FEATURES)
        self.threshold = self.model["threshold"] if threshold is None else threshold
        self.rules = rules or GuardRules()

    def score(self, sentence: str, passages: list[str], question: str | None = None,
              context: list[str] | None = None) -> Support:
        """`context`: the other passages retrieved with `passages` (see features())."""
        if not passages:
            return Support(0.0, {}, (), threshold=self.threshold)
        x, novel = features(sentence, passages, self.embedder, question, context, self.rules.completed_names)
        return Support(learned.probability(x, self.model), dict(zip(FEATURES, x.round(4).tolist())), novel,
                       self.rules.verbatim and quoted(sentence, passages), self.threshold,
                       self.rules.invented_specifics)

    def supports(self, sentence: str, passages: list[str], question: str | None = None,
                 context: list[str] | None = None) -> bool:
        # a quoted sentence is supported whatever the model says: no need to embed anything
        # (every sentence of an extractive answer is quoted)
        return (self.rules.verbatim and quoted(sentence, passages)) or \
            self.score(sentence, passages, question, context).supported()
