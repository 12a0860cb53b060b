"""What one browser session of the window remembers between events: one object, held in one
gr.State (Gradio gives each session its own deep copy of the empty one)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WindowState:
    # the answers shown, in order (rag.Answer); follow-ups are read against them
    answers: list = field(default_factory=list)
    # per answer: where it searched ({"collection": ..., "documents": n}), for its evidence panel
    scopes: list[dict] = field(default_factory=list)
    # per answer: [chat id, turn number] in the chat store, what a rating of it rates (None: not saved)
    saved: list = field(default_factory=list)
    # the saved chat this conversation is (None: saved with its first turn)
    chat_id: str | None = None
    # the index of the answer rated last, which a correction goes with
    rated: int | None = None

    def scope_of(self, turn: int) -> dict:
        """Where answer `turn` searched, for its panel ({} when unknown)."""
        return self.scopes[turn] if 0 <= turn < len(self.scopes) else {}

    def add(self, answer, scope: dict, saved_as: list | None) -> int:
        """A finished answer joins the conversation; returns its index."""
        self.answers.append(answer)
        self.scopes.append(scope)
        self.saved.append(saved_as)
        return len(self.answers) - 1
