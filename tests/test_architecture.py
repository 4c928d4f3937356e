"""The boundaries the design promises, measured on the code itself.

- the core (everything outside `conformance/socles/`) never names a socle: a socle's knowledge
  lives in its folder and reaches the core through the hooks of its `Socle` object;
- no import cycle among `conformance` modules (imports under `if TYPE_CHECKING:` aside), counting
  imports inside functions too: a cycle hidden in a function is still a cycle;
- a socle imports another socle only through that socle's public `api` module.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

from conformance.socle import installed_socles

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"
SOCLES_DIR = PACKAGE / "socles"
COMPOSER = PACKAGE / "demo.py"  # composes the installed socles' reference parts: it may list them


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
            ):
                skip.update(id(n) for n in ast.walk(node))
    return skip


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_pkg else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            if target.split(".")[0] != "conformance":
                continue
            resolved = _resolve(target)
            if resolved and resolved != module:
                found.add(resolved)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_no_import_cycle() -> None:
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_cycle_finder_sees_a_cycle() -> None:
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"c"}, "c": {"a"}}).static_order())


def _socle_names() -> list[str]:
    return sorted({p.name for p in SOCLES_DIR.iterdir() if (p / "__init__.py").is_file()} | set(installed_socles()))


def test_the_core_names_no_socle() -> None:
    names = re.compile("|".join(map(re.escape, _socle_names())))
    leaks = []
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(SOCLES_DIR) or path == COMPOSER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if names.search(line):
                leaks.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not leaks, "core modules naming a socle:\n" + "\n".join(leaks)


def test_socles_meet_only_through_their_public_api() -> None:
    crossings = []
    for module, targets in GRAPH.items():
        if not module.startswith("conformance.socles."):
            continue
        own = module.split(".")[2]
        for target in targets:
            parts = target.split(".")
            other = parts[2] if len(parts) > 2 and parts[1] == "socles" else own
            if other != own and target not in (f"conformance.socles.{other}.api", f"conformance.socles.{other}"):
                crossings.append(f"{module} imports {target}")
    assert not crossings, "\n".join(sorted(crossings))
