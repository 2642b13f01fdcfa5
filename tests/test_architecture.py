"""The package's architecture: layers that import only downward, no import cycle anywhere, and
no pmo2vmo import hidden inside a function except a few deliberate, commented lazy ones."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import pmo2vmo

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(pmo2vmo.__file__).resolve().parent
LAYERS = ("util", "model", "ingest", "analysis", "render", "execute")
MAX_LAZY = 5


def test_layer_contract_holds() -> None:
    """`lint-imports` keeps the contracts of pyproject.toml: each layer imports only those below
    it, and no package's modules import each other in a cycle."""
    code = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    result = subprocess.run(
        [sys.executable, "-c", code, "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
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
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
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
                        found.append(sorted(component))
    return found


def test_no_import_cycle_between_any_modules() -> None:
    """No two modules of pmo2vmo import each other, directly or through others — counting
    imports inside functions and under TYPE_CHECKING, and package __init__ modules."""
    graph = grimp.build_graph("pmo2vmo", cache_dir=None)
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """The cycle check itself: a graph with a → b → c → a reports that cycle."""
    graph = grimp.ImportGraph()
    for name in ("x", "x.a", "x.b", "x.c", "x.d"):
        graph.add_module(name)
    for importer, imported in (("x.a", "x.b"), ("x.b", "x.c"), ("x.c", "x.a"), ("x.d", "x.a")):
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["x.a", "x.b", "x.c"]]


def _function_imports() -> list[tuple[str, int, str]]:
    """(file, line, source line) of every pmo2vmo import inside a function."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                module = (
                    node.module if isinstance(node, ast.ImportFrom)
                    else node.names[0].name if isinstance(node, ast.Import) else None
                )  # fmt: skip
                if module and module.split(".")[0] == "pmo2vmo" and module != "pmo2vmo":
                    found.append((path.relative_to(PACKAGE).as_posix(), node.lineno,
                                  lines[node.lineno - 1]))  # fmt: skip
    return found


def test_lazy_imports_are_few_and_explained() -> None:
    """At most a handful of pmo2vmo imports sit inside functions, each commented 'lazy: why'
    (start-up time); none dodges a cycle."""
    lazy = _function_imports()
    assert len(lazy) <= MAX_LAZY, lazy
    for file, line, text in lazy:
        assert "# lazy:" in text, f"{file}:{line} imports inside a function without saying why"


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_lives_there(layer: str) -> None:
    """Each layer's package docstring says what it holds and which layers it may import."""
    doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text()))
    assert doc is not None
    assert "Imports only" in doc


def _layout_modules(layout: str) -> set[str]:
    """Module paths the README's package tree names: ``pkg/ module.py`` starts a package's
    rows, indented ``module.py`` rows continue it, unindented ``module.py`` rows are top-level."""
    named, package = set(), ""
    for line in layout.splitlines():
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0].endswith("/") and len(tokens) > 1 and tokens[1].endswith(".py"):
            package = tokens[0]
            named.add(package + tokens[1])
        elif tokens[0].endswith(".py"):
            if not line.startswith(" "):
                package = ""
            named.add(package + tokens[0])
    return named


def test_readme_layout_names_every_module() -> None:
    """The README's layout section names every module of the package, and no module that is
    not there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    modules = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    assert _layout_modules(layout) == modules


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def test_pieces_are_small() -> None:
    """No module over 500 lines and no function over 80 (docstring included): pieces a
    newcomer reads in one sitting."""
    too_big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE).as_posix()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_big.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{name}: {node.name} is {length} lines")
    assert too_big == []
