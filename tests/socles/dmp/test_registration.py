"""The DMP socle keeps to the one way of writing checks and findings: every check is registered with
the requirements it judges (all in the catalog) over `(subject, ctx)`, every kind it checks has one
reader with its refusal rule, and every message the socle's code names exists in messages.toml with
exactly the parameters the call passes (and every message there is used)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.messages import fields_of
from conformance.observations import kind_of
from conformance.registry import all_checks, reader_for, signature_ok
from conformance.requirements import load_catalog
from conformance.socles.dmp import SOCLE
from conformance.socles.dmp.messages import M

PACKAGE = Path(SOCLE.suite).parent
# Messages methods and where their message key is: text(key, ...), fail(rid, key, ...), judge(rid, ok, ko_key, ...)
KEY_ARGS = {
    "text": (0,),
    "passed": (1,),
    "fail": (1,),
    "warn": (1,),
    "not_applicable": (1,),
    "finding": (2,),
    "judge": (2, 3),
}
LEGACY = {"judge", "passed", "failed", "warned", "not_applicable", "fails_or_pass"}


def _dmp_checks() -> list:  # type: ignore[type-arg]
    SOCLE.load_checks()
    return [c for c in all_checks() if c.socle == "dmp" and c.kind != kind_of("dmp")]  # no observation judge


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _message_calls() -> Iterator[tuple[str, str, ast.Call, int]]:
    """(file:line, key, call, key position) of every `M.<method>(...)` and `refusal(...)` with a literal key."""
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "M":
                positions = KEY_ARGS.get(func.attr, ())
            elif isinstance(func, ast.Name) and func.id == "refusal":
                positions = (0,)
            else:
                continue
            for pos in positions:
                if pos < len(node.args) and isinstance(node.args[pos], ast.Constant):
                    yield f"{path.relative_to(PACKAGE)}:{node.lineno}", str(node.args[pos].value), node, pos


@pytest.mark.requirements("DMP-C02", "DMP-X01", "DMP-T01", "DMP-V01", "DMP-H04")
def test_every_check_is_registered_with_catalog_requirements_and_one_signature() -> None:
    catalog = load_catalog(SOCLE.catalog)
    checks = _dmp_checks()
    assert len(checks) >= 20
    for c in checks:
        assert c.requirements, f"{c.name} declares no requirement"
        assert all(rid in catalog for rid in c.requirements), (c.name, c.requirements)
        assert signature_ok(c.fn), f"{c.name} is not fn(subject, ctx)"
    judged = {rid for c in checks for rid in c.requirements}
    checked = {rid for rid, req in catalog.requirements.items() if req.checked}
    assert checked - judged == {"DMP-H01"}  # judged by its scenario on the DUI's answer (suite/test_transport.py)


@pytest.mark.requirements("DMP-C02", "DMP-X01", "DMP-T01", "DMP-V01", "DMP-H04")
def test_every_checked_kind_has_one_reader_that_fails_only_its_rule() -> None:
    catalog = load_catalog(SOCLE.catalog)
    for kind in sorted({c.kind for c in _dmp_checks()}):
        rd = reader_for(kind, "dmp")
        assert rd is not None, f"no DMP reader for {kind}"
        assert rd.refusal_rule in catalog and not rd.fail_skipped
        assert signature_ok(rd.read)


def test_every_message_named_exists_with_the_parameters_passed() -> None:
    problems = []
    calls = list(_message_calls())
    assert len(calls) > 250
    for where, key, call, _ in calls:
        if key not in M.table:
            problems.append(f"{where}: no message {key!r} in messages.toml")
            continue
        if any(kw.arg is None for kw in call.keywords):
            continue  # **params: checked when the message is built
        passed = {kw.arg for kw in call.keywords if kw.arg is not None}
        wanted = fields_of(M.table[key][0])
        if passed != wanted:
            problems.append(f"{where}: {key!r} wants {sorted(wanted)}, the call passes {sorted(passed)}")
    assert not problems, "\n".join(problems)


def test_every_message_of_the_table_is_used() -> None:
    literals = {
        str(node.value)
        for _, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    unused = sorted(set(M.table) - literals)
    assert not unused, unused


def test_no_finding_is_built_from_positional_strings() -> None:
    """No legacy helper of conformance.model, and no Finding(...) written with literal messages."""
    problems = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "conformance.model":
                legacy = LEGACY & {a.name for a in node.names}
                if legacy:
                    problems.append(f"{path.name}:{node.lineno} imports {sorted(legacy)}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Finding":
                problems.append(f"{path.name}:{node.lineno} builds a Finding by hand")
    assert not problems, problems
