"""The shape of the code, read with `ast` (nothing is imported): which module imports
which, and that the layers point one way. An import inside a function counts (it is an
arrow all the same, taken later); one under `if TYPE_CHECKING:` does not (it is never
run: it only names types)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "litemaas_upgrade"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The modules of this package that `module` imports (run-time imports only)."""
    out: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith(PACKAGE))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith(PACKAGE):
                # `from .pkg import name`: name may be a submodule (an arrow to it) or an
                # attribute of the package (an arrow to the package).
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    out.add(sub if sub in MODULES else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out.discard(module)
    return out


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        graph[name] = {m for m in _imports(tree, name, path.name == "__init__.py") if m in MODULES}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def _package_only(module: str, package: str) -> bool:
    return module == f"{PACKAGE}.{package}" or module.startswith(f"{PACKAGE}.{package}.")


def test_the_graph_is_read() -> None:
    # The reader itself: arrows known to exist are found, relative and absolute.
    graph = import_graph()
    assert f"{PACKAGE}.managers.base" in graph[f"{PACKAGE}.engine"]
    assert f"{PACKAGE}.engine" in graph[f"{PACKAGE}.commands.scan"]
    assert f"{PACKAGE}.model" in graph[f"{PACKAGE}.facts"]


def test_no_import_cycle() -> None:
    assert _cycles(import_graph()) == []


def test_a_cycle_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("layer", ["output", "diff"])
def test_output_and_diff_reach_managers_only_through_the_engine(layer: str) -> None:
    graph = import_graph()
    wrong = sorted(
        (module, target)
        for module, targets in graph.items()
        if _package_only(module, layer)
        for target in targets
        if _package_only(target, "managers")
    )
    assert wrong == []


def test_managers_import_nothing_from_output_lint_or_commands() -> None:
    # A manager records facts (facts.py); the lint rules word them, the commands and
    # output show them.
    graph = import_graph()
    wrong = sorted(
        (module, target)
        for module, targets in graph.items()
        if _package_only(module, "managers")
        for target in targets
        if any(_package_only(target, p) for p in ("output", "lint", "commands", "diff"))
    )
    assert wrong == []


def test_managers_make_no_findings() -> None:
    # Findings are the rule modules' (lint/rules): a manager that names `Finding` or a
    # finding code is making one itself.
    offenders = []
    for name, path in MODULES.items():
        if not _package_only(name, "managers"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "Finding":
                offenders.append(f"{name}:{node.lineno}")
            elif isinstance(node, ast.alias) and node.name in ("Finding", "codes"):
                offenders.append(f"{name}:{node.name}")
    assert offenders == []


def test_every_manager_derives_from_the_base() -> None:
    from litemaas_upgrade.managers import all_managers
    from litemaas_upgrade.managers.base import Manager

    managers = all_managers()
    assert len(managers) == 7
    assert all(isinstance(m, Manager) for m in managers)
    assert len({m.kind for m in managers}) == len(managers)


def test_the_engine_looks_up_no_hook_by_name() -> None:
    tree = ast.parse((SRC / "engine.py").read_text("utf-8"))
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr")
    ]
    assert calls == []
