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


def _assigned(func: ast.AST | None, name: str) -> list[ast.expr]:
    """The values `name` is assigned in the enclosing function (for `key = "a" if c else "b"`)."""
    if func is None:
        return []
    return [
        n.value
        for n in ast.walk(func)
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
    ]


def _keys(node: ast.expr, func: ast.AST | None) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys(node.body, func) + _keys(node.orelse, func)
    if isinstance(node, ast.Name):
        found = [k for value in _assigned(func, node.id) for k in _keys(value, func)]
        if found:
            return found
    raise AssertionError(f"a message key must be a literal (or a name bound to literals): {ast.unparse(node)}")


def _uses() -> Iterator[Use]:
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func: ast.AST | None = node
            while func is not None and not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                func = parents.get(func)
            where = f"{path.relative_to(SOCLE_DIR)}:{node.lineno}"
            params = {k.arg for k in node.keywords if k.arg is not None}
            if any(k.arg is None for k in node.keywords):
                params_or_none: set[str] | None = None
            else:
                params_or_none = params
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "M":
                positions = KEY_ARGS.get(f.attr)
                if positions is not None:
                    keys = [_keys(node.args[i], func) for i in positions]
                    yield Use(where, keys, params_or_none)
            elif isinstance(f, ast.Name) and f.id == "either":
                yield Use(where, [_keys(node.args[1], func)], set())


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
