"""The import graph of tariffsim's modules has no cycles and points down the layers.

Imports are read with :mod:`ast` from the source files, so lazy imports inside
functions count as much as module-level ones; only imports under
``if TYPE_CHECKING:`` are left out (they never run). A package's
``__init__`` re-exports its modules, so importing ``a.b`` is an edge to
``a.b`` only, not to the package ``a``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "tariffsim"

#: The layers, lowest first: a module may import only from its own layer or below.
LAYERS = (
    ("tariffsim.errors", "tariffsim._util"),
    ("tariffsim.claims",),
    ("tariffsim.world", "tariffsim.dynamics"),
    ("tariffsim.payoffs",),
    ("tariffsim.agents",),
    ("tariffsim.game",),
    ("tariffsim.scenario",),
    ("tariffsim.equilibrium",),
    ("tariffsim.cli",),
)


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    out = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (p, is_pkg)
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                skip.update(id(k) for k in ast.walk(stmt))
    return skip


def import_graph(root: Path = PKG) -> dict[str, set[str]]:
    """Edges ``module -> modules it imports`` within the package at ``root``."""
    mods = _modules(root)
    graph: dict[str, set[str]] = {}
    for name, (path, is_pkg) in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        package = name if is_pkg else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in mods)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    if f"{base}.{alias.name}" in mods:
                        deps.add(f"{base}.{alias.name}")
                    elif base in mods:
                        deps.add(base)
        deps.discard(name)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        color[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if color.get(v) == 1:
                return [*stack[stack.index(v) :], v]
            if v not in color:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        color[u] = 2
        return None

    for node in sorted(graph):
        if node not in color:
            found = visit(node)
            if found:
                return found
    return None


def _layer(module: str) -> int | None:
    for k, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return k
    return None


def test_import_graph_has_no_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 20  # the whole package was read
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_imports_point_down_the_layers() -> None:
    bad = []
    for mod, deps in import_graph().items():
        lm = _layer(mod)
        for dep in deps:
            ld = _layer(dep)
            if lm is not None and ld is not None and ld > lm:
                bad.append(f"{mod} -> {dep}")
    assert not bad, bad


def test_game_does_not_import_the_solvers() -> None:
    assert not any(d.startswith("tariffsim.equilibrium") for d in import_graph()["tariffsim.game"])


@pytest.mark.parametrize(
    ("sources", "cycle"),
    [
        ({"a": "from . import b", "b": "def f():\n    from . import a\n"}, True),
        ({"a": "from .b import x", "b": "if TYPE_CHECKING:\n    from .a import y\n"}, False),
        ({"a": "import pkg.b", "b": "import pkg.c", "c": "from .a import z"}, True),
        ({"a": "from .b import x", "b": "from .c import y", "c": "x = 1"}, False),
    ],
)
def test_the_checker_finds_cycles(tmp_path: Path, sources: dict[str, str], cycle: bool) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in sources.items():
        (pkg / f"{name}.py").write_text(text + "\n")
    assert (find_cycle(import_graph(pkg)) is not None) is cycle
