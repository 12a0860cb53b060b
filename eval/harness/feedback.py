"""Ratings become test cases: `rag eval --feedback` runs every rated answer again.

    approved answer      its facts (figures, names, quoted phrases it holds that the question
                         does not) must still be found, and its documents still cited; an
                         approved refusal must still refuse
    rejected answer      the new answer must differ from it, or refuse
    with a correction    the correction's facts must be found (the correction is split at ";",
                         a long part reduced to its figures, names and quoted phrases);
                         a correction saying the documents do not answer makes the case
                         unanswerable
A rating of a follow-up runs as the question it was understood as (the standalone form), so
each case stands alone.
"""

from __future__ import annotations

from rag.answer import is_refusal
from rag.lexicon import QUOTED_RE, SPECIFIC_RE, STOPWORDS
from rag.text import content_terms, strip_citations

from .cases import Case
from .golden import Item

LONG_FACT_WORDS = 4  # a correction part longer than this is reduced to its specifics


def facts_of(text: str, question: str = "") -> list[str]:
    """The figures, names and quoted phrases of `text` that `question` does not already hold,
    in order, without repeats: what an answer must keep saying."""
    asked = set(content_terms(question))
    text = strip_citations(text)
    found = [m.group(0).strip("“”\"'‘’ ") for m in QUOTED_RE.finditer(text)]
    found += [m.group(0).strip() for m in SPECIFIC_RE.finditer(text)]
    out: list[str] = []
    for fact in found:
        terms = content_terms(fact)
        if not terms or fact.lower() in STOPWORDS or set(terms) <= asked:
            continue
        if not any(fact.lower() in kept.lower() for kept in out):
            out.append(fact)
    return out


def correction_facts(correction: str, question: str) -> list[str]:
    facts: list[str] = []
    for part in (p.strip(" .") for p in correction.split(";")):
        if not part:
            continue
        if len(part.split()) <= LONG_FACT_WORDS:
            facts.append(part)
        else:  # a sentence: its specifics, or else the part whole (stems are compared, not wording)
            facts += facts_of(part, question) or [part]
    return facts


def says_no_answer(text: str) -> bool:
    return is_refusal(text) or "don't say" in text.lower() or "not in the documents" in text.lower()


def case_of(rating) -> Case:
    """One rating (rag.chats.Rating) as a case."""
    a = rating.answer
    question = (rating.standalone or rating.question).strip()
    sources: tuple[str, ...] = ()
    rejected = ""
    graded = True
    if rating.rating == "up":
        answerable = not a.refused
        facts = facts_of(a.text, question) if answerable else []
        sources = tuple(dict.fromkeys(c.source for c in a.citations)) if answerable else ()
    elif rating.correction.strip():
        answerable = not says_no_answer(rating.correction)
        facts = correction_facts(rating.correction, question) if answerable else []
        rejected = a.text
    else:  # rejected, no correction: a refusal was wrong, or an answer was; either way it must change
        answerable, facts, rejected = a.refused, [], a.text
        graded = a.refused  # a rejected answer may rightly become a refusal: not scored as answerable
    case_id = f"rating-{rating.id}"
    item = Item(id=case_id, split="", question=question, answerable=answerable,
                reference_answer=rating.correction.strip() or (a.text if rating.rating == "up" else ""),
                key_facts=tuple(facts), supporting_spans=(), category="feedback")
    verdict = "approved" if rating.rating == "up" else "rejected"
    note = f"{verdict} in collection {rating.collection}" + (f"; correction: {rating.correction}" if rating.correction else "")
    return Case(case_id, 0, (item,), (sources,), (rejected,), "feedback", note, (graded,), rating.collection)


def feedback_cases(store, collection: str | None = None, user: str = "") -> list[Case]:
    """Every rating in the chat store (of `collection`, when given) as a case, oldest first."""
    return [case_of(r) for r in sorted(store.ratings(user=user, collection=collection), key=lambda r: r.created)]
