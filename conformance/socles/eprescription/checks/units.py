"""EP-32: a quantity coded in UCUM has a valid UCUM code.

The IG's Modelisation page allows UCUM and EDQM units and sends every other unit to `unit` alone; a code
under the UCUM system that UCUM does not define breaks that sentence (`mg.` , `j` for day, `cp`, `ml/h ` with
a space...). The code is parsed with the grammar ucumvert builds from the UCUM specification's own
ucum-essence.xml (case-sensitive). Each unit is judged by one rule: annotations (`{…}`) are EP-14's (the IG
forbids them in dose units), treatment durations (boundsDuration: d, wk, mo, a) are EP-16's; EP-32 judges
the dose, rate and maximum-dose quantities of EP-13.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, remembered, select
from conformance.socles.eprescription.messages import M

MAX_CODE = 200


@cache
def _parser() -> Any:
    """ucumvert's UCUM grammar, compiled by lark as `ucumvert.get_ucum_parser` does, without importing the
    ucumvert package: its `__init__` loads pint and its unit registry (0.3 s per process) for a grammar file."""
    from importlib.util import find_spec
    from pathlib import Path

    from lark import Lark

    spec = find_spec("ucumvert")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("ucumvert")
    grammar = Path(next(iter(spec.submodule_search_locations))) / "ucum_grammar.lark"
    return Lark(grammar.read_text(encoding="utf-8"), start="main_term", strict=True)


@cache
def ucum_problem(code: str) -> str | None:
    """None when `code` is a UCUM expression, else what the grammar stopped at."""
    if not code or len(code) > MAX_CODE:
        return "empty" if not code else f"longer than {MAX_CODE} characters"
    try:
        _parser().parse(code)
    except Exception as exc:  # lark's UnexpectedInput family: where the code stops being UCUM
        column = getattr(exc, "column", None)
        return f"not UCUM at character {column}" if column else f"not UCUM ({type(exc).__name__})"
    return None


def _quantities(view: View, line: dict[str, Any], loc: str) -> list[tuple[Any, str]]:
    inv = next(i for i in view.rules.invariants if i.key == "fr-med-smpl-quant-1")
    return [n for p in inv.paths for n in select(line, p, loc) if isinstance(n[0], dict)]


@check("fhir", "eprescription", "EP-32")
@remembered
def ucum_codes(view: View, ctx: CheckContext) -> Iterator[Finding]:
    ucum = view.rules.systems["ucum"]
    seen = False
    for line in view.lines():
        for q, where in _quantities(view, line.resource, line.loc):
            if q.get("system") != ucum or "code" not in q or "{" in str(q.get("code")):
                continue  # not UCUM-coded, or an annotation (EP-14)
            seen = True
            code = str(q.get("code"))
            problem = ucum_problem(code)
            if problem is None:
                yield M.passed("EP-32", "ucum.valid", f"{where}.code", code=code)
            else:
                yield M.fail("EP-32", "ucum.invalid", f"{where}.code", code=code, problem=problem)
    if not seen:
        yield M.not_applicable("EP-32", "ucum.none", "Bundle")
