"""Judgments the evaluation compares with the product's own: an LLM judge, the hand-set rules the
learned judgments replaced, and the learned answerability judge (with its artefact answerable.json)."""
