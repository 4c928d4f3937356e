"""Every message the MSSanté socle builds by name exists in messages.toml with the parameters it is given.

The socle's source is read with `ast`: each `M.<method>(...)` call with a literal key is matched
against the table (the key exists; the template's fields are exactly the keywords the call passes),
so a typo in a key or a parameter fails here rather than in the middle of a run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from conformance.messages import fields_of
from conformance.socles.mssante.messages import M

SOCLE = Path(__file__).resolve().parents[3] / "conformance" / "socles" / "mssante"
KEY_ARGS = {  # method -> positions of its key arguments
    "text": (0,),
    "passed": (1,),
    "fail": (1,),
    "warn": (1,),
    "not_applicable": (1,),
    "judge": (2, 3),
}
NOT_PARAMS = {"location"}


@dataclass(frozen=True)
class Use:
    where: str
    key: str
    params: frozenset[str] | None  # None: the call passes **kwargs, its names are not literal
    shared: tuple[str, ...] = ()  # judge: both keys share the parameters, each uses some of them


def _uses() -> list[Use]:
    found: list[Use] = []
    for path in sorted(SOCLE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "M"
                and node.func.attr in KEY_ARGS
            ):
                continue
            names = [k.arg for k in node.keywords]
            params = None if None in names else frozenset(n for n in names if n and n not in NOT_PARAMS)
            where = f"{path.relative_to(SOCLE)}:{node.lineno}"
            keys: list[str] = []
            for pos in KEY_ARGS[node.func.attr]:
                arg = node.args[pos] if pos < len(node.args) else None
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), f"{where}: key is not a literal"
                keys.append(arg.value)
            found += [Use(where, key, params, tuple(keys) if len(keys) > 1 else ()) for key in keys]
    return found


USES = _uses()


def test_the_socle_builds_its_findings_by_name() -> None:
    assert len(USES) > 200
    assert len(M.table) > 200


def _problem(use: Use) -> str | None:
    if use.key not in M.table:
        return f"{use.where}: no [{use.key!r}] in messages.toml"
    if use.params is None:
        return None
    wanted = fields_of(M.table[use.key][0])
    if use.shared:  # M.judge: each message takes some of the parameters, the two together all of them
        together = set().union(*(fields_of(M.table[k][0]) for k in use.shared if k in M.table))
        ok = wanted <= use.params and together == use.params
        return None if ok else f"{use.where}: {use.shared} want {sorted(together)}, given {sorted(use.params)}"
    return (
        None if wanted == use.params else f"{use.where}: [{use.key}] wants {sorted(wanted)}, given {sorted(use.params)}"
    )


def test_each_message_used_exists_with_the_parameters_passed() -> None:
    problems = [p for p in map(_problem, USES) if p]
    assert not problems, "\n".join(problems)


def test_every_message_of_the_table_is_used() -> None:
    unused = sorted(set(M.table) - {u.key for u in USES})
    assert not unused, f"messages.toml keys no code uses: {unused}"
