"""What is prescribed: code systems (EP-08), code formats (EP-09, UNSURE), non-compound medication
(EP-10) and compound medication (EP-12)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, remembered, select
from conformance.socles.eprescription.messages import M


def _in_vs(view: View, vs_name: str, coding: Any) -> bool:
    vs = view.rules.valuesets[vs_name]
    return isinstance(coding, dict) and coding.get("system") in vs.systems and bool(coding.get("code"))


def _coded(view: View, concept: Any, vs_name: str, where: str, rid: str) -> Finding:
    vs = view.rules.valuesets[vs_name]
    codings = concept.get("coding") if isinstance(concept, dict) else None
    codings = codings if isinstance(codings, list) else []
    good = [c for c in codings if _in_vs(view, vs_name, c)]
    cite = f"{view.rules.ig_canonical_vs(vs_name)} ({vs.strength}, {vs.source})"
    if good:
        return M.passed(rid, "code.in-valueset", where, system=good[0].get("system"), cite=cite)
    seen = ", ".join(sorted({str(c.get("system")) for c in codings if isinstance(c, dict)})) or "no coding"
    return M.fail(rid, "code.not-in-valueset", where, cite=cite, allowed=", ".join(vs.systems), seen=seen)


@check("fhir", "eprescription", "EP-08")
@remembered
def codes(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-08: the line's medication is coded from fr-medication-code (fr-inpatient-medication-code)."""
    for line in view.lines():
        res = line.resource
        vs = "fr-inpatient-medication-code" if view.is_inpatient(line) else "fr-medication-code"
        if isinstance(res.get("medicationCodeableConcept"), dict):
            yield _coded(view, res["medicationCodeableConcept"], vs, f"{line.loc}.medicationCodeableConcept", "EP-08")
        elif isinstance(res.get("medicationReference"), dict):
            target = view.follow(f"{line.loc}.medicationReference")
            if target is None or target.resource.get("resourceType") != "Medication":
                continue  # EP-10 says why
            if view.is_compound(target.resource):
                continue  # a compound is coded through its components (EP-12)
            yield _coded(view, target.resource.get("code"), "fr-medication-code", f"{target.loc}.code", "EP-08")


@check("fhir", "eprescription", "EP-09")
@remembered
def formats(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-09 (UNSURE formats): UCD, CIP13 and SMS codes have the expected shape."""
    patterns = {s: re.compile(p) for s, p in view.rules.code_formats.items()}
    found = False
    nodes: list[tuple[Any, str]] = []
    for line in view.lines():
        nodes += select(line.resource, "medicationCodeableConcept.coding", line.loc)
    for med, loc in view.medications():
        nodes += select(med, "code.coding", loc) + select(med, "ingredient.itemCodeableConcept.coding", loc)
    for coding, where in nodes:
        if not isinstance(coding, dict) or coding.get("system") not in patterns:
            continue
        found = True
        code, system = str(coding.get("code", "")), coding["system"]
        pattern = patterns[system]
        if pattern.match(code):
            yield M.passed("EP-09", "format.ok", f"{where}.code", code=code, system=system)
        else:
            yield M.fail("EP-09", "format.bad", f"{where}.code", code=code, system=system, pattern=pattern.pattern)
    if not found:
        yield M.not_applicable("EP-09", "format.none", "Bundle")


def _noncompound_slice(view: View, med: dict[str, Any], loc: str) -> Finding:
    cite = view.rules.cite("medication_noncompound")
    codings = [c for c, _ in select(med, "code.coding", loc)]
    n = sum(1 for c in codings if _in_vs(view, "fr-medication-code", c))
    if n == 1:
        return M.passed("EP-10", "noncompound.one-code", f"{loc}.code", cite=cite)
    return M.fail("EP-10", "noncompound.codes", f"{loc}.code.coding", count=n, cite=cite)


@check("fhir", "eprescription", "EP-10")
@remembered
def references(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-10: medicationReference targets and the nonCompoundCode slice of non-compound Medications."""
    rules = view.rules
    for line in view.lines():
        ref = line.resource.get("medicationReference")
        if not isinstance(ref, dict):
            continue
        where = f"{line.loc}.medicationReference"
        target = view.follow(where)
        if target is None:
            yield M.fail("EP-10", "medref.unresolved", where, cite=rules.cite("medicationrequest"))
        elif target.resource.get("resourceType") != "Medication":
            yield M.fail("EP-10", "medref.wrong-type", where, type=target.resource.get("resourceType"))
        else:
            yield M.passed("EP-10", "medref.resolves", where, target=target.loc)
    for med, loc in view.medications():
        if not view.is_compound(med):
            yield _noncompound_slice(view, med, loc)


@check("fhir", "eprescription", "EP-12")
@remembered
def compounds(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-12: components of a compound medication are non-compound Medications; fr-is-vehicle is boolean."""
    rules = view.rules
    cite = rules.cite("medication_compound")
    seen = False
    for med, loc in view.medications():
        if not view.is_compound(med):
            continue
        seen = True
        for ing, where in select(med, "ingredient", loc):
            if not isinstance(ing, dict):
                continue
            for ext in extensions(ing, rules.extensions["is_vehicle"]):
                if not isinstance(ext.get("valueBoolean"), bool):
                    yield M.fail("EP-12", "compound.vehicle-not-boolean", f"{where}.extension", cite=cite)
            if isinstance(ing.get("itemReference"), dict):
                target = view.follow(f"{where}.itemReference")
                ok = (
                    target is not None
                    and target.resource.get("resourceType") == "Medication"
                    and not view.is_compound(target.resource)
                )
                if ok and target is not None:
                    yield M.passed("EP-12", "compound.component-ok", f"{where}.itemReference", target=target.loc)
                else:
                    yield M.fail("EP-12", "compound.component-bad", f"{where}.itemReference", cite=cite)
            elif isinstance(ing.get("itemCodeableConcept"), dict):
                yield M.passed("EP-12", "compound.component-coded", where)
    if not seen:
        yield M.not_applicable("EP-12", "compound.none", "Bundle")
