"""What the question generator's parts share (`rag eval --generate`): the documents it reads, its
prompts, and the report it fills in. A leaf: eval/harness/drafts.py, probes.py and generate.py
import it, and it imports none of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError

PROMPTS = Path(__file__).parent / "prompts"


def read_prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Doc:
    name: str  # file name, as a case's sources give it
    chunks: tuple[str, ...]  # in document order

    @property
    def text(self) -> str:
        return "\n\n".join(self.chunks)



class GenerationStopped(RagError):
    """The LLM failed part-way; the cases made so far are in the file (`.report` says how many)."""

    def __init__(self, report: GenerateReport) -> None:
        self.report = report
        super().__init__(f"stopped after {report.written} case(s): {report.stopped_by}; the "
                         f"{report.written} case(s) made so far are in {report.path} (review them, or run "
                         f"again with another --out)")


@dataclass
class GenerateReport:
    path: Path
    wanted: int
    model: str | None = None  # the LLM that drafted, None for probes only
    written: int = 0
    drafted: int = 0  # LLM calls
    kept: int = 0  # drafts kept
    rejected: Counter = field(default_factory=Counter)  # reason -> drafts
    probes: int = 0
    seconds: float = 0.0
    stopped_by: str | None = None

    def __str__(self) -> str:
        if self.model:
            made = f"{self.kept} drafted by the LLM, {sum(self.rejected.values())} of {self.drafted} drafts rejected"
            if self.rejected:
                made += " (" + ", ".join(f"{n} {why}" for why, n in self.rejected.most_common()) + ")"
            made += f"; {self.probes} probes"
        else:
            made = f"{self.probes} probes; no LLM, so no answerable cases"
        short = (f"; {self.wanted - self.written} fewer than asked: no more passed the checks"
                 if self.written < self.wanted and not self.stopped_by else "")
        stop = f"; stopped: {self.stopped_by}" if self.stopped_by else ""
        return (f"wrote {self.written} cases to {self.path} ({made}{short}{stop}) in {self.seconds:.1f} s"
                f" — review them, then `rag eval --questions {self.path}`")
