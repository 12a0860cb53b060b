"""The project's shape, read from its source with ast (imports inside functions counted too):
no import circle among rag/, ui/ and eval/; the guard imports nothing from answering or llm;
nothing in rag/ but the CLI's dispatch imports ui/ or eval/; the evaluation's metrics never
score with the guard; no function in rag/ or ui/ longer than 80 lines."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

TOPS = ("rag", "ui", "eval")
MAX_FUNCTION_LINES = 80


def modules() -> dict[str, tuple]:
    """module name -> (path, parsed tree)."""
    out = {}
    for top in TOPS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return out


def imports(name: str, path, tree, known) -> set[str]:
    """The project modules `name` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                n = alias.name
                while n and n not in known:
                    n = n.rpartition(".")[0]
                found.add(n)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, tree, mods) for name, (path, tree) in mods.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_the_checker_finds_a_circle_it_is_shown():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_anywhere():
    assert circles(graph()) == []


def test_dependencies_point_one_way():
    edges = graph()
    against = [(a, b) for a, targets in edges.items() for b in targets
               if a.startswith("rag.guard") and b.startswith(("rag.answering", "rag.llm"))]
    assert against == [], "the guard judges answers; it imports nothing from answering or llm"
    upward = [(a, b) for a, targets in edges.items() for b in targets
              if a.startswith("rag") and a != "rag.cli" and b.split(".")[0] in ("ui", "eval")]
    assert upward == [], "only the CLI's dispatch in rag/ imports ui/ or eval/"
    index = " ".join((ROOT / "rag" / "index" / name).read_text(encoding="utf-8")
                     for name in ("store.py", "corpus.py", "derived.py", "folder_sync.py"))
    assert not [w for w in ("tqdm", "isatty", "uploads", "gradio") if w in index], \
        "the index knows nothing of terminals or the window"


def test_the_evaluation_never_scores_with_the_guard():
    edges = graph()
    assert not [m for m in edges["eval.metrics"] if m.startswith("rag.guard")]
    # the harness's answer figures are scored with the evaluation's own support checker
    scored_by = {m for name in ("eval.harness.run", "eval.harness.own", "eval.harness.everyday",
                                "eval.harness.multidoc") for m in edges[name]}
    assert "eval.judges.support" in scored_by and "rag.guard.support" not in edges["eval.harness.own"]


def test_no_function_over_80_lines_in_rag_or_ui():
    long = []
    for name, (path, tree) in modules().items():
        if not name.startswith(("rag", "ui")):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.name} ({lines} lines)")
    assert long == []
