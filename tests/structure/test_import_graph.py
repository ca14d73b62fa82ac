"""The project's import graph, read from the source: no circles, and the core imports no plugin.

Nodes are modules of ``vecedit``, ``vecedit.vectorizers`` and ``vecedit.plugins`` (a
package's ``__init__`` is a module of its own). ``import a.b.c`` and ``from a.b import c``
are edges to the module named; ``from pkg import name`` is an import of ``pkg`` (its
``__init__`` runs) and, where ``pkg.name`` is a module, of that module too. Imports under ``if TYPE_CHECKING:`` are left out: they never
run. Function-level (lazy) imports count: they still run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# repository folder → installed import name
PACKAGES = {"vecedit": "vecedit", "vectorizers": "vecedit.vectorizers", "plugins": "vecedit.plugins"}
BUILTIN_PLUGINS = "vecedit.plugins"


def modules() -> dict[str, Path]:
    found = {}
    for folder, name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([name, *parts])] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str]):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield base
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    yield f"{base}.{alias.name}"
        stack.extend(ast.iter_child_nodes(node))


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    edges: dict[str, set[str]] = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for target in _imports(tree, name, path.name == "__init__.py", known):
            # an import of a.b.c runs a, a.b and a.b.c; the edge that matters is to the module itself
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_the_graph_is_read():
    edges = graph()
    assert "vecedit.scene.build" in edges and "vecedit.svg.model" in edges["vecedit.scene.build"]
    assert any(name.startswith("vecedit.vectorizers.") for name in edges)
    assert any(name.startswith("vecedit.plugins.") for name in edges)


def test_no_import_cycles():
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_builtin_plugin():
    offenders = sorted(
        f"{name} → {target}"
        for name, targets in graph().items()
        if not name.startswith(BUILTIN_PLUGINS + ".") and name != BUILTIN_PLUGINS
        for target in targets
        if target == BUILTIN_PLUGINS or target.startswith(BUILTIN_PLUGINS + ".")
    )
    assert not offenders, "the core imports built-in vecedit.plugins: " + ", ".join(offenders)
