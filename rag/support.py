"""Does a passage support a sentence? A CPU scorer: word overlap + embedding similarity.

score = LEX_WEIGHT * lexical + (1 - LEX_WEIGHT) * semantic, where
  lexical  = share of the sentence's content words (stemmed) found in the passages,
  semantic = best cosine between the sentence and any passage sentence.
A sentence that brings a number or a proper name the passages lack, or that
negates what its closest passage sentence says (or the reverse), is not
supported whatever its score: invented specifics are the typical failure.
THRESHOLD and LEX_WEIGHT are calibrated on eval/support_labels.jsonl (dev
split) by `python -m eval.calibrate`; an entailment model would be better but
none ships on PyPI for offline use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .text import content_terms, sentences, words

LEX_WEIGHT = 0.3
THRESHOLD = 0.6

NUMBER_RE = re.compile(r"\b\d[\d,.]*\b")
COUNT_RE = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
                      r"thousands?|millions?|billions?|trillions?)\b", re.IGNORECASE)
NEGATION_RE = re.compile(r"\b(no|not|never|none|nor|neither|without|n't)\b|n't\b", re.IGNORECASE)
CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z’']+")


def specifics(text: str) -> set[str]:
    """Numbers and mid-sentence capitalised words (likely names), lower-cased."""
    found = {n.rstrip(".,") for n in NUMBER_RE.findall(text)}
    found |= {w.lower() for w in COUNT_RE.findall(text)}
    found |= {w.lower().split("’")[0].split("'")[0] for w in CAPITALISED_RE.findall(text.strip())}
    return found


@dataclass(frozen=True)
class Support:
    score: float
    lexical: float
    semantic: float
    novel: tuple[str, ...]  # numbers / names in the sentence that no passage has

    def supported(self, threshold: float | None = None) -> bool:
        return not self.novel and self.score >= (THRESHOLD if threshold is None else threshold)


class SupportScorer:
    def __init__(self, embedder: Embedder, lex_weight: float | None = None, threshold: float | None = None) -> None:
        self.embedder = embedder
        self.lex_weight = LEX_WEIGHT if lex_weight is None else lex_weight
        self.threshold = THRESHOLD if threshold is None else threshold

    def score(self, sentence: str, passages: list[str]) -> Support:
        if not passages:
            return Support(0.0, 0.0, 0.0, ())
        terms = set(content_terms(sentence))
        evidence_terms = set()
        evidence_words = set()
        for p in passages:
            evidence_terms.update(content_terms(p))
            evidence_words.update(words(p))
        lexical = len(terms & evidence_terms) / len(terms) if terms else 0.0
        evidence_sentences = [s for p in passages for s in sentences(p)] or passages
        vecs = self.embedder.embed([sentence, *evidence_sentences])
        sims = vecs[1:] @ vecs[0]
        semantic = float(np.clip(sims.max(), 0.0, 1.0))
        # A name counts as present when a passage word shares its first four letters
        # ("Chinese" ~ "China"); numbers must be present as they are.
        prefixes = {w[:4] for w in evidence_words}
        novel = [s for s in specifics(sentence)
                 if s not in evidence_words and (s[:1].isdigit() or COUNT_RE.fullmatch(s) or s[:4] not in prefixes)]
        # A negation on one side only ("has no significant implications") flips the claim.
        closest = evidence_sentences[int(np.argmax(sims))]
        if bool(NEGATION_RE.search(sentence)) != bool(NEGATION_RE.search(closest)):
            novel.append("(negation)")
        novel = tuple(sorted(set(novel)))
        score = self.lex_weight * lexical + (1 - self.lex_weight) * semantic
        return Support(score, lexical, semantic, novel)

    def supports(self, sentence: str, passages: list[str]) -> bool:
        return self.score(sentence, passages).supported(self.threshold)
