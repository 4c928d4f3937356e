"""The data-driven part of the rule set: cardinalities and FHIRPath invariants from rules.toml.

Each finding cites the profile (`canonical|version`) and the IG source file the rule comes from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.ruleset import Invariant, load_ruleset
from conformance.socles.eprescription.checks.view import View, remembered, select
from conformance.socles.eprescription.messages import M

# the requirements the data rules judge, read from rules.toml (a new rule there is a new requirement here)
CARDINALITY_RULES = tuple(sorted({c.requirement for c in load_ruleset().cardinalities}))
INVARIANT_RULES = tuple(sorted({i.requirement for i in load_ruleset().invariants if not i.native}))


def _resources(view: View, resource_type: str, applies: str | None) -> Iterator[tuple[dict[str, Any], str]]:
    if resource_type == "Medication":
        for med, loc in view.medications():
            if applies == "compound" and not view.is_compound(med):
                continue
            if applies == "noncompound" and view.is_compound(med):
                continue
            yield med, loc
        return
    for e in view.index.entries:
        if e.type == resource_type:
            yield e.resource, e.loc


@check("fhir", "eprescription", *CARDINALITY_RULES)
@remembered
def cardinalities(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    for rule in rules.cardinalities:
        cite = rules.cite(rule.profile)
        parent_path, _, last = rule.path.rpartition(".")
        card = f"{rule.min}..{'*' if rule.max is None else rule.max}"
        for res, loc in _resources(view, rule.resource, rule.applies):
            parents = select(res, parent_path, loc) if parent_path else [(res, loc)]
            for node, where in parents:
                n = len(select(node, last, where))
                here = f"{where}.{last}"
                rid, path, source = rule.requirement, rule.path, rule.source
                if n >= rule.min and (rule.max is None or n <= rule.max):
                    yield M.passed(rid, "cardinality.holds", here, path=path, card=card, count=n, cite=cite)
                elif rule.max == 0:
                    yield M.fail(rid, "cardinality.forbidden", here, path=path, card=card, cite=cite, source=source)
                else:
                    yield M.fail(
                        rid, "cardinality.count", here, path=path, card=card, cite=cite, source=source, count=n
                    )


def invariant_finding(inv: Invariant, cite: str, holds: bool | None, where: str, error: str = "") -> Finding:
    """How an invariant of rules.toml reads in a finding, its own wording (human_en, human_fr) included."""
    rid = inv.requirement
    if holds is None:
        return M.warn(rid, "invariant.unevaluable", where, invariant=inv.key, cite=cite, error=error)
    if holds:
        return M.passed(rid, "invariant.holds", where, invariant=inv.key, cite=cite)
    human = Text(inv.human_en, inv.human_fr)
    return M.fail(
        rid,
        "invariant.fails",
        where,
        invariant=inv.key,
        human=human,
        expression=inv.expression,
        cite=cite,
        source=inv.source,
    )


@check("fhir", "eprescription", *INVARIANT_RULES)
@remembered
def invariants(view: View, ctx: CheckContext) -> Iterator[Finding]:
    from conformance.formats.fhir import fhirpath  # the FHIRPath engine: when a Bundle is judged, not imported

    rules = view.rules
    for inv in rules.invariants:
        if inv.native:
            continue
        cite = rules.cite(inv.profile)
        for res, loc in _resources(view, inv.resource, inv.applies):
            nodes = [n for p in inv.paths for n in select(res, p, loc)] if inv.paths else [(res, loc)]
            for node, where in nodes:
                out = fhirpath.evaluate(inv.expression, node, inv.type, res, res)
                yield invariant_finding(inv, cite, out.holds, where, out.error)
