"""The guard's rule families, each a switch, all on by default.

The evaluation turns one off at a time to measure what it earns
(`python -m eval.training.ablate_rules`, figures in docs/guard.md); the product always
runs the defaults. Each field names the test that fails without its rule
(tests/test_rules.py checks that it does).
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class GuardRules:
    # A sentence found verbatim in a passage is supported, whatever the checker says.
    # tests/test_grounding.py::test_a_sentence_quoted_from_its_passage_is_always_supported
    verbatim: bool = True
    # A sentence that brings a name or figure no passage holds is unsupported.
    # tests/test_guard.py::test_an_invented_name_is_unsupported_however_close_the_rest
    invented_specifics: bool = True
    # A name part the other retrieved passages complete ("Ada" of "Ada Lovelace") is no new name.
    # tests/test_guard.py::test_a_full_name_from_another_retrieved_passage_is_no_new_name
    completed_names: bool = True
    # A sentence its sources do not support moves to the retrieved passage that does, if one does.
    # tests/test_guard.py::test_unsupported_sentences_are_removed_and_misplaced_citations_mended
    recite: bool = True
    # An answer whose every removed sentence invented a specific (or restated the question's
    # premise) is a refusal, not a quotation of the closest passages.
    # tests/test_llm_backends.py::test_an_answer_made_only_of_invented_specifics_is_a_refusal
    invented_refusal: bool = True
    # A count or date asked for must be in the answer; kept sentences wait until one gives it.
    # tests/test_guard.py::test_a_count_asked_for_must_be_in_the_answer
    held_for_type: bool = True

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def without(self, name: str) -> "GuardRules":
        """These rules with one family switched off."""
        if name not in self.names():
            raise ValueError(f"no guard rule {name!r}; rules: {', '.join(self.names())}")
        return GuardRules(**{n: getattr(self, n) and n != name for n in self.names()})
