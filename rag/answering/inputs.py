"""Checks on what a user types, cheap enough to run before anything heavy is imported."""

from __future__ import annotations

import re

from rag.errors import BadInput

MAX_QUESTION_CHARS = 2000


def clean_question(question: object) -> str:
    """The question with terminal escape sequences ("ESC[31m") dropped, control characters and runs
    of white space collapsed; BadInput if empty or too long."""
    if not isinstance(question, str):
        raise BadInput(f"the question must be text, got {type(question).__name__}")
    question = re.sub(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])", " ", question)
    text = " ".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question).split())
    if not text:
        raise BadInput("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadInput(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text
