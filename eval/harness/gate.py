"""The gate: fail a run (exit 1) when a figure crosses a threshold.

Thresholds are a JSON file {"min": {"answers.key_fact_accuracy": 0.8}, "max": {"refusal.false_refusal": 0.1}}
or the same written on the command line: "answers.key_fact_accuracy>=0.8, refusal.false_refusal<=0.1".
Names are results.json's figures, nested keys joined by "." (`rag eval --list-metrics` shows them).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from rag.errors import BadInput

from ..metrics import flatten

# the expected shape of one command-line threshold, for the error message
_RULE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)\s*")


def parse_thresholds(spec: str, known: list[str] | None = None) -> dict:
    """A thresholds file's path, or "NAME>=V, NAME<=V" -> {"min": {...}, "max": {...}}; BadInput
    for a malformed rule, an unreadable file or (with `known`) a figure no run reports."""
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"no thresholds file {spec}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput(f"cannot read thresholds from {spec}: {exc}") from None
        if not isinstance(data, dict) or set(data) - {"min", "max"} or not all(
                isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values()) for v in data.values()):
            raise BadInput(f'{spec}: thresholds are {{"min": {{"NAME": number}}, "max": {{"NAME": number}}}}')
        out = {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}
    else:
        out = {"min": {}, "max": {}}
        for part in filter(str.strip, spec.split(",")):
            m = _RULE.fullmatch(part)
            if not m:
                raise BadInput(f"--gate: cannot read {part.strip()!r}; write NAME>=VALUE or NAME<=VALUE, "
                               f"e.g. answers.key_fact_accuracy>=0.8 (or give a thresholds .json file)")
            out["min" if m.group(2) == ">=" else "max"][m.group(1)] = float(m.group(3))
        if not out["min"] and not out["max"]:
            raise BadInput("--gate: no thresholds given")
    if known is not None:
        unknown = [k for side in out.values() for k in side if k not in known]
        if unknown:
            raise BadInput(f"--gate: no figure named {unknown[0]!r}; `rag eval --list-metrics` lists them")
    return out


def gate(results: dict, thresholds: dict) -> list[str]:
    """One line per figure that crosses its threshold (none: the gate passes)."""
    flat = flatten({k: v for k, v in results.items() if k not in ("items", "baseline_items")})
    failures = []
    for key, low in thresholds.get("min", {}).items():
        if key not in flat:
            failures.append(f"{key}: missing from results")
        elif flat[key] < low:
            failures.append(f"{key} = {flat[key]:.3f} is below the threshold {low}")
    for key, high in thresholds.get("max", {}).items():
        if key not in flat:
            failures.append(f"{key}: missing from results")
        elif flat[key] > high:
            failures.append(f"{key} = {flat[key]:.3f} is above the limit {high}")
    return failures


def check_gate(results: dict, thresholds: dict, source: str = "its threshold") -> int:
    """Print the gate's verdict (failures on stderr); the exit status: 1 when any figure fails."""
    failures = gate(results, thresholds)
    for f in failures:
        print(f"GATE FAILED: {f}", file=sys.stderr)
    if failures:
        return 1
    print(f"gate: every figure within {source}")
    return 0


def print_changes(changes: list[tuple[str, float, float]], old_dir) -> None:
    print(f"\nchanged since {old_dir}:")
    for key, old, new in changes:
        print(f"  {key:40s} {old:9.3f} -> {new:9.3f}")


def compare(results: dict, old_dir: Path) -> list[tuple[str, float, float]]:
    old = json.loads((old_dir / "results.json").read_text(encoding="utf-8"))
    skip = ("items", "baseline_items", "config")
    new_flat = flatten({k: v for k, v in results.items() if k not in skip})
    old_flat = flatten({k: v for k, v in old.items() if k not in skip})
    return [(k, old_flat[k], new_flat[k]) for k in new_flat if k in old_flat and abs(new_flat[k] - old_flat[k]) > 1e-9]
