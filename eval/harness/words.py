"""The word lists only the evaluation reads: the probe generator's cues for what a name is
(eval/harness/probes.py) and the check that a drafted question stands alone (eval/harness/drafts.py).
The product's own lexicon is rag/lexicon.py."""

from __future__ import annotations

import re

# A question that points at its source ("What does the passage say ...?"): in a collection of
# many documents it cannot stand alone (eval/harness/generate.py drops such drafts).
SOURCE_REFERENCE_RE = re.compile(r"\b(?:the|this|that|above|given) (?:passage|text|article|document|excerpt|paragraph)\b",
                                 re.IGNORECASE)

# Verbs that follow a body that speaks or decides ("the Harbour Authority said", "the board voted").
REPORTING_VERBS = frozenset("""said announced stated confirmed reported declared denied warned agreed decided
    voted approved rejected ruled ordered issued published urged""".split())

# Verbs of speech that follow a speaker ("Montgomery told", "Weaver said") or, but for "told", come
# before one ("said Ben Montgomery"); with REPORTING_VERBS, a name so used is no place.
SPEECH_VERBS = frozenset("""said says told wrote added explained asked replied recalled insisted admitted
    claimed noted tweeted""".split())
# Words before a name that name a source or a listener, not a place ("told Reuters", "according to Reuters").
SOURCE_CUES = frozenset({"told", "according to", "interviewed by", "quoted by"})

# How a demonym ends ("Russian", "Chinese", "English"): alone, no place ("in English"); with "-i"
# ("Saudi", "Iraqi": not alone, as "Dubai" is a place), as a name's first word, no first name
# (unless that word alone is used as a person: "Julian said", "Xi's remarks").
DEMONYM_ENDINGS = ("ian", "ese", "ish")
ADJECTIVE_ENDINGS = DEMONYM_ENDINGS + ("i",)
# Also "-an", as the first of three name words: a word describing the person ("American Jeralean
# Talley"), not a first name ("Nick Paton Walsh").
DESCRIBING_ENDINGS = ADJECTIVE_ENDINGS + ("an",)
