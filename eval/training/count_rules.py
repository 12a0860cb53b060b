"""How many rules the answering and the guard carry: regex sites and hand-written word lists.

    python -m eval.training.count_rules [PROJECT_ROOT] [-v]

A regex site is a pattern written down: an `re` call with a literal pattern, a module-level
pattern string, or one entry of a list of (kind, pattern) pairs. A word list is a module-level
collection of three or more literal words. Only the modules that hold rules are read (answering,
guard, text, lexicon; by name, so that older layouts of the project count the same way).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

RULE_MODULES = {"support", "verify", "engine", "question", "text", "followup", "extractive", "answerable", "inputs",
                "values", "coverage",
                "lexicon", "policy", "rules", "corpus", "given", "check", "grounding"}
RE_CALLS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
NOT_WORDS = {"FEATURES", "SIGNS", "TYPE_REASON"}  # feature names and messages, not rules


def is_regex_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.func.attr in RE_CALLS
            and bool(node.args) and isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)))


def classify(name: str, value: ast.AST, source: str) -> tuple[str, int] | None:
    """('regex', n) or ('list', 1) for a module-level constant, or None."""
    if not name.isupper() or name in NOT_WORDS:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and re.search(r"\\b|\\s|\[A-Z\]", value.value):
        return "regex", 1
    if isinstance(value, ast.List) and value.elts and all(isinstance(e, ast.Tuple) for e in value.elts):
        return "regex", len(value.elts)
    elements = value.keys if isinstance(value, ast.Dict) else getattr(value, "elts", None)
    literal = elements is not None and len(elements) >= 3 and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements)
    segment = ast.get_source_segment(source, value) or ""
    spelled = (isinstance(value, (ast.Call, ast.BinOp)) and "re.compile" not in segment
               and len(re.findall(r"\b[a-z]{2,}\b", segment)) >= 5)
    return ("list", 1) if literal or spelled else None


def count(root: Path) -> tuple[int, int, list[str]]:
    sites, lists, rows = 0, 0, []
    for path in sorted(p for p in (root / "rag").rglob("*.py") if p.stem in RULE_MODULES):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        where = path.relative_to(root)
        for node in ast.walk(tree):
            if is_regex_call(node):
                sites += 1
                rows.append(f"{where}:{node.lineno} regex")
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                found = classify(node.targets[0].id, node.value, source)
                if found:
                    kind, n = found
                    sites, lists = (sites + n, lists) if kind == "regex" else (sites, lists + n)
                    rows.append(f"{where}:{node.lineno} {kind} {node.targets[0].id}" + (f" ({n})" if n > 1 else ""))
    return sites, lists, rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(next((a for a in argv if not a.startswith("-")), "."))
    sites, lists, rows = count(root)
    if "-v" in argv:
        print("\n".join(rows))
    print(f"{root}: regex sites {sites}, word lists {lists}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
