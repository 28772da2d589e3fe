"""Imports inside explorer/ run one way: no module reaches itself through its imports, and the leaves import nothing of ours.

The graph is read from the source with ``ast``, so every import counts: at module level, inside
functions, under ``if TYPE_CHECKING:``, absolute (``import explorer.a``, ``from explorer import a``)
and relative (``from .a import b``). A package's ``__init__`` is a node of its own; importing
``explorer.a.b`` is an edge to ``explorer.a.b`` only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "explorer"
LEAVES = ("errors", "linalg", "sources", "settings", "device", "workbudget", "argtypes", "topk")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    files = (p for p in (ROOT / PACKAGE).rglob("*.py") if "__pycache__" not in p.parts)
    return {_module_name(p): p for p in sorted(files)}


def _imported_names(path: Path, module: str) -> Iterator[str]:
    """Dotted names of everything ``module`` imports, relative imports resolved.

    ``from a import b`` gives "a.b": that is module a.b when there is one, else a name in a
    (``_target`` tells which).
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # the package the import is relative to: the module's own package, then one up per extra dot
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield from (source if alias.name == "*" else f"{source}.{alias.name}" for alias in node.names)


def _target(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that importing ``name`` loads: the longest prefix of it that is a module."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module -> the modules of ours it imports (itself excluded when it names its own attributes)."""
    modules = _modules()
    graph: dict[str, frozenset[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for name in _imported_names(path, module):
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _target(name, modules)
                if target is not None:
                    targets.add(target)
        targets.discard(module)
        graph[module] = frozenset(targets)
    return graph


def find_cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """One path per back edge found by a depth-first search, each closed: [a, b, ..., a]."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack = [iter(sorted(graph[start]))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            if step in on_path:
                cycles.append(path[path.index(step) :] + [step])
            elif step not in done:
                path.append(step)
                on_path.add(step)
                stack.append(iter(sorted(graph.get(step, ()))))
    return cycles


def test_the_graph_reads_absolute_relative_and_function_level_imports(tmp_path: Path) -> None:
    graph = import_graph()
    assert "explorer.readers" in graph["explorer.corpus"]  # the reading layer sits below corpus
    assert "explorer" not in graph["explorer.corpus"]  # `from explorer import readers` names the module
    assert "explorer.corpus" not in graph["explorer.readers.files"]
    assert "explorer.vectors" in graph["explorer.vectors_io.files"]
    package = tmp_path / "explorer" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("def f():\n    from explorer.pkg import c\n")
    (package / "c.py").write_text("from . import b\n")
    names = {
        m: set(_imported_names(p, m))
        for m, p in {"explorer.pkg": package / "__init__.py", "explorer.pkg.b": package / "b.py"}.items()
    }
    assert names["explorer.pkg"] == {"explorer.pkg.b.thing"}
    assert names["explorer.pkg.b"] == {"explorer.pkg.c"}  # inside a function
    assert set(_imported_names(package / "c.py", "explorer.pkg.c")) == {"explorer.pkg.b"}
    modules = {"explorer.pkg": package / "__init__.py", "explorer.pkg.b": package / "b.py"}
    assert _target("explorer.pkg.b.thing", modules) == "explorer.pkg.b"
    assert _target("explorer.pkg.thing", modules) == "explorer.pkg"
    assert _target("numpy.linalg", modules) is None


def test_find_cycles_reports_the_path() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_explorer_has_no_import_cycle() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, (
        "import cycles in explorer/ (each line: a module, what it imports, ..., back to the first):\n"
        + ("\n".join(" -> ".join(cycle) for cycle in cycles))
    )


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaf_modules_import_nothing_of_explorer(leaf: str) -> None:
    module = f"{PACKAGE}.{leaf}"
    assert module in import_graph(), f"{module} is missing"
    assert not import_graph()[module], f"{module} is a leaf but imports {sorted(import_graph()[module])}"
