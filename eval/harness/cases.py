"""A questions file: the user's own test cases for `rag eval --questions FILE`, read and checked.

The format (JSONL, one case a line; blank lines and lines starting with "#" are skipped) is
documented in docs/evaluate.md. Every error names its line and says what is wrong, and all
of a file's errors are gathered before anything runs, so one pass fixes them all. Cases
become golden.Item / golden.Conversation, the types the built-in suites use, so the same
metrics score them; the extra fields (expected sources, a rejected answer, how the case was
made) ride along in Case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import BadInput

from .golden import Conversation, Item

TURN_FIELDS = {"question", "answerable", "key_facts", "sources", "reference_answer", "rejected_answer"}
CASE_FIELDS = TURN_FIELDS | {"id", "turns", "made_by", "note", "passage"}
MADE_BY = ("hand", "llm", "probe", "feedback")
MAX_ERRORS = 20  # shown at most; the count says how many more


@dataclass(frozen=True)
class Case:
    """One line of the file: a single question (one turn) or a conversation (several)."""

    id: str
    line: int
    turns: tuple[Item, ...]
    sources: tuple[tuple[str, ...], ...]  # per turn: the document names it should cite
    rejected: tuple[str, ...]  # per turn: an answer a user rejected ("" for none)
    made_by: str = "hand"
    note: str = ""
    graded: tuple[bool, ...] = ()  # per turn: is its answerability known (False: "answerable": null)
    collection: str | None = None  # where to ask (a rating's collection); None: the one evaluated

    def is_graded(self, n: int) -> bool:
        return self.graded[n] if self.graded else True

    @property
    def conversation(self) -> bool:
        return len(self.turns) > 1


@dataclass
class CaseFile:
    path: Path
    cases: list[Case] = field(default_factory=list)

    def singles(self) -> list[Case]:
        return [c for c in self.cases if not c.conversation]

    def conversations(self) -> list[Conversation]:
        return [Conversation(c.id, "", list(c.turns)) for c in self.cases if c.conversation]


def _strings(value, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f'"{name}" must be a list of non-empty strings')
    return tuple(v.strip() for v in value)


def _turn(d: dict, case_id: str, n: int, where: str) -> tuple[Item, tuple[str, ...], str, bool]:
    unknown = sorted(set(d) - TURN_FIELDS)
    if unknown:
        raise ValueError(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}{where}"
                         f" (a turn takes {', '.join(sorted(TURN_FIELDS))})")
    q = d.get("question")
    if not isinstance(q, str) or not q.strip():
        raise ValueError(f'"question" must be a non-empty string{where}')
    answerable = d.get("answerable", True)
    graded = answerable is not None
    if answerable is None and not d.get("rejected_answer"):
        raise ValueError(f'"answerable": null (answer differently or refuse) needs a "rejected_answer"{where}')
    if not isinstance(answerable, bool) and graded:
        raise ValueError(f'"answerable" must be true, false or null{where}, got {answerable!r}')
    answerable = bool(answerable) if graded else True
    facts = _strings(d.get("key_facts", []), "key_facts")
    if facts and not answerable:
        raise ValueError(f'an unanswerable question has no "key_facts"{where}')
    sources = _strings(d.get("sources", []), "sources")
    reference = d.get("reference_answer", "")
    rejected = d.get("rejected_answer", "")
    for name, value in (("reference_answer", reference), ("rejected_answer", rejected)):
        if not isinstance(value, str):
            raise ValueError(f'"{name}" must be a string{where}')
    item = Item(id=case_id if n == 0 else f"{case_id}.{n}", split="", question=q.strip(), answerable=answerable,
                reference_answer=reference, key_facts=facts, supporting_spans=(), category="",
                conversation=case_id if n else "", turn=n)
    return item, sources, rejected, graded


def parse_case(d, line: int) -> Case:
    """One decoded line -> Case; ValueError saying what is wrong (without the line number)."""
    if not isinstance(d, dict):
        raise ValueError(f"a case is a JSON object, got {type(d).__name__}")
    unknown = sorted(set(d) - CASE_FIELDS)
    if unknown:
        raise ValueError(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
                         f" (known: {', '.join(sorted(CASE_FIELDS))})")
    case_id = d.get("id", f"line {line}")
    if not isinstance(case_id, (str, int)) or not str(case_id).strip():
        raise ValueError('"id" must be a non-empty string')
    case_id = str(case_id).strip()
    made_by = d.get("made_by", "hand")
    if made_by not in MADE_BY:
        raise ValueError(f'"made_by" must be one of {", ".join(MADE_BY)}, got {made_by!r}')
    note = d.get("note", "")
    if not isinstance(note, str) or not isinstance(d.get("passage", ""), str):
        raise ValueError('"note" and "passage" must be strings')
    if "turns" in d:
        if set(d) & TURN_FIELDS:
            raise ValueError(f'give either "turns" or {", ".join(sorted(set(d) & TURN_FIELDS))}, not both')
        if not isinstance(d["turns"], list) or not d["turns"]:
            raise ValueError('"turns" must be a non-empty list of questions')
        parts = []
        for n, t in enumerate(d["turns"], start=1):
            if not isinstance(t, dict):
                raise ValueError(f"turn {n} must be a JSON object")
            parts.append(_turn(t, case_id, n, f" in turn {n}"))
    else:
        parts = [_turn({k: v for k, v in d.items() if k in TURN_FIELDS}, case_id, 0, "")]
    return Case(case_id, line, tuple(p[0] for p in parts), tuple(p[1] for p in parts),
                tuple(p[2] for p in parts), made_by, note, tuple(p[3] for p in parts))


def read_cases(path: str | Path) -> CaseFile:
    """Every case of a questions file, or BadInput listing each bad line by number and why."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadInput(f"no questions file {path}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    out, errors, seen = CaseFile(path), [], {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            case = parse_case(json.loads(raw), number)
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValueError as exc:
            errors.append(f"{path}:{number}: {exc}")
            continue
        if case.id in seen:
            errors.append(f"{path}:{number}: id {case.id!r} is used on line {seen[case.id]} too")
            continue
        seen[case.id] = number
        out.cases.append(case)
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise BadInput(f"{len(errors)} bad line(s) in {path}{more}:\n  " + "\n  ".join(errors[:MAX_ERRORS]))
    if not out.cases:
        raise BadInput(f"{path} holds no questions (one JSON object a line; see docs/evaluate.md)")
    return out
