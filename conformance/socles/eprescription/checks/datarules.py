"""The data-driven part of the rule set: cardinalities and FHIRPath invariants from rules.toml.

Each finding cites the profile (`canonical|version`) and the IG source file the rule comes from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.formats.fhir import fhirpath
from conformance.model import CheckContext, Finding, failed, passed, warned
from conformance.registry import check
from conformance.socles.eprescription.checks.ruleset import load_ruleset
from conformance.socles.eprescription.checks.view import View, remembered, select

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
                if n >= rule.min and (rule.max is None or n <= rule.max):
                    yield passed(
                        rule.requirement,
                        f"{rule.path} {card} holds ({n}); {cite}",
                        f"{rule.path} {card} respecté ({n}) ; {cite}",
                        here,
                    )
                elif rule.max == 0:
                    yield failed(
                        rule.requirement,
                        f"{rule.path} is forbidden ({card}) by {cite} [{rule.source}]",
                        f"{rule.path} est interdit ({card}) par {cite} [{rule.source}]",
                        here,
                    )
                else:
                    yield failed(
                        rule.requirement,
                        f"{rule.path} must occur {card} ({cite} [{rule.source}]), found {n}",
                        f"{rule.path} doit apparaître {card} ({cite} [{rule.source}]), trouvé {n}",
                        here,
                    )


@check("fhir", "eprescription", *INVARIANT_RULES)
@remembered
def invariants(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    for inv in rules.invariants:
        if inv.native:
            continue
        cite = rules.cite(inv.profile)
        for res, loc in _resources(view, inv.resource, inv.applies):
            nodes = [n for p in inv.paths for n in select(res, p, loc)] if inv.paths else [(res, loc)]
            for node, where in nodes:
                out = fhirpath.evaluate(inv.expression, node, inv.type, res, res)
                if out.holds is None:
                    yield warned(
                        inv.requirement,
                        f"invariant {inv.key} ({cite}) could not be evaluated: {out.error}",
                        f"l'invariant {inv.key} ({cite}) n'a pas pu être évalué : {out.error}",
                        where,
                    )
                elif out.holds:
                    yield passed(
                        inv.requirement,
                        f"invariant {inv.key} holds ({cite})",
                        f"l'invariant {inv.key} est respecté ({cite})",
                        where,
                    )
                else:
                    yield failed(
                        inv.requirement,
                        f"invariant {inv.key} fails: {inv.human_en} ({inv.expression}); {cite} [{inv.source}]",
                        f"l'invariant {inv.key} n'est pas respecté : {inv.human_fr} "
                        f"({inv.expression}) ; {cite} [{inv.source}]",
                        where,
                    )
