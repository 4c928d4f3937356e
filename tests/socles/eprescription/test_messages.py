"""Findings by name: every message the socle's code asks for exists in messages.toml, with exactly the
parameters the call passes, and no finding is built from positional (en, fr) strings.

The source is read with `ast`, so a key or a parameter that only a rare branch uses is checked too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from conformance.messages import fields_of
from conformance.socles.eprescription import messages

SOCLE_DIR = Path(messages.__file__).resolve().parent
TABLE = messages.M.table

# method of M -> positions of its key arguments
KEY_ARGS = {"text": (0,), "passed": (1,), "fail": (1,), "warn": (1,), "not_applicable": (1,), "judge": (2, 3)}
OLD_HELPERS = {"judge", "passed", "failed", "warned", "not_applicable", "fails_or_pass"}


@dataclass
class Use:
    where: str
    keys: list[list[str]]  # the possible keys at each key position
    params: set[str] | None  # None: the call passes **kwargs


def _sources() -> list[Path]:
    """The socle's code, but the message module itself (its `either(value, key)` passes keys through)."""
    return sorted(p for p in SOCLE_DIR.rglob("*.py") if p != Path(messages.__file__).resolve())


def _bound(
    func: ast.FunctionDef | None, name: str, module: ast.Module
) -> list[tuple[ast.expr, ast.FunctionDef | None]]:
    """What `name` may hold in `func`: the values it is assigned there (`key = "a" if c else "b"`), or,
    for a parameter, the arguments every call of `func` in the module passes (with the caller)."""
    if func is None:
        return []
    found: list[tuple[ast.expr, ast.FunctionDef | None]] = [
        (n.value, func)
        for n in ast.walk(func)
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]
    params = [a.arg for a in func.args.args]
    if found or name not in params:
        return found
    index = params.index(name)
    for call, caller in _calls(module):
        if isinstance(call.func, ast.Name) and call.func.id == func.name:
            args = {k.arg: k.value for k in call.keywords}
            value = call.args[index] if index < len(call.args) else args.get(name)
            if value is not None:
                found.append((value, caller))
    return found


def _keys(node: ast.expr, func: ast.FunctionDef | None, module: ast.Module) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys(node.body, func, module) + _keys(node.orelse, func, module)
    if isinstance(node, ast.Name):
        found = [k for value, where in _bound(func, node.id, module) for k in _keys(value, where, module)]
        if found:
            return found
    raise AssertionError(f"a message key must be a literal (or a name bound to literals): {ast.unparse(node)}")


def _calls(module: ast.Module) -> Iterator[tuple[ast.Call, ast.FunctionDef | None]]:
    """Every call in the module, with the function it is written in."""
    parents = {child: node for node in ast.walk(module) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            up: ast.AST | None = node
            while up is not None and not isinstance(up, ast.FunctionDef):
                up = parents.get(up)
            yield node, up if isinstance(up, ast.FunctionDef) else None


def _uses() -> Iterator[Use]:
    for path in _sources():
        module = ast.parse(path.read_text(encoding="utf-8"))
        for node, func in _calls(module):
            where = f"{path.relative_to(SOCLE_DIR)}:{node.lineno}"
            params = {k.arg for k in node.keywords if k.arg is not None}
            hidden = any(k.arg is None for k in node.keywords)
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "M":
                positions = KEY_ARGS.get(f.attr)
                if positions is not None:
                    keys = [_keys(node.args[i], func, module) for i in positions]
                    yield Use(where, keys, None if hidden else params)
            elif isinstance(f, ast.Name) and f.id == "either":
                yield Use(where, [_keys(node.args[1], func, module)], set())


def test_every_message_is_well_formed() -> None:
    assert TABLE, "messages.toml is empty"
    for key, (en, fr) in TABLE.items():
        assert en and fr, key
        assert fields_of(en) == fields_of(fr), key


def test_every_key_used_exists_with_the_parameters_passed() -> None:
    used: set[str] = set()
    problems: list[str] = []
    for use in _uses():
        if use.params is None:
            problems.append(f"{use.where}: **kwargs hide the parameters of a message")
            continue
        wanted: set[str] = set()
        for keys in use.keys:
            for key in keys:
                used.add(key)
                if key not in TABLE:
                    problems.append(f"{use.where}: no message {key!r} in messages.toml")
                    continue
                needs = fields_of(TABLE[key][0])
                wanted |= needs
                if needs - use.params:
                    problems.append(f"{use.where}: {key!r} needs {sorted(needs - use.params)}")
        if use.params - wanted:
            problems.append(f"{use.where}: parameters {sorted(use.params - wanted)} are used by no message")
    assert not problems, "\n".join(problems)
    assert set(TABLE) - used == set(), f"messages no code uses: {sorted(set(TABLE) - used)}"


def test_no_finding_from_positional_strings() -> None:
    """Neither the old (en, fr) helpers of conformance.model nor `verify.expect(rid, ok, en, fr)`."""
    problems: list[str] = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(SOCLE_DIR)}:{node.lineno}"
            f = node.func
            if isinstance(f, ast.Name) and f.id in OLD_HELPERS:
                problems.append(f"{where}: {f.id}(...) builds a finding from strings")
            if isinstance(f, ast.Attribute) and f.attr == "expect":
                strings = [a for a in node.args[2:] if isinstance(a, (ast.Constant, ast.JoinedStr))]
                if strings or len(node.args) > 3 or {k.arg for k in node.keywords} & {"en_ok", "fr_ok"}:
                    problems.append(f"{where}: verify.expect takes a Text (M.text), not strings")
            if isinstance(f, ast.Name) and f.id == "Finding":
                problems.append(f"{where}: Finding(...) built by hand")
    assert not problems, "\n".join(problems)
