"""What is prescribed: code systems (EP-08), code formats (EP-09, UNSURE), non-compound medication
(EP-10) and compound medication (EP-12)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding, failed, not_applicable, passed
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, remembered, select


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
        return passed(
            rid,
            f"coded in {good[0].get('system')} ({cite})",
            f"codé dans {good[0].get('system')} ({cite})",
            where,
        )
    seen = ", ".join(sorted({str(c.get("system")) for c in codings if isinstance(c, dict)})) or "no coding"
    return failed(
        rid,
        f"no code from {cite}: allowed systems {', '.join(vs.systems)}; seen: {seen}",
        f"aucun code de {cite} : systèmes permis {', '.join(vs.systems)} ; vus : {seen}",
        where,
    )


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
        code = str(coding.get("code", ""))
        if patterns[coding["system"]].match(code):
            yield passed(
                "EP-09",
                f"{code} has the format of {coding['system']}",
                f"{code} a le format de {coding['system']}",
                f"{where}.code",
            )
        else:
            yield failed(
                "EP-09",
                f"{code!r} does not have the expected format of {coding['system']} "
                f"({patterns[coding['system']].pattern}; format inferred, UNSURE)",
                f"{code!r} n'a pas le format attendu de {coding['system']} "
                f"({patterns[coding['system']].pattern} ; format déduit, UNSURE)",
                f"{where}.code",
            )
    if not found:
        yield not_applicable("EP-09", "no UCD, CIP13 or SMS code to check", "aucun code UCD, CIP13 ou SMS", "Bundle")


def _noncompound_slice(view: View, med: dict[str, Any], loc: str) -> Finding:
    cite = view.rules.cite("medication_noncompound")
    codings = [c for c, _ in select(med, "code.coding", loc)]
    n = sum(1 for c in codings if _in_vs(view, "fr-medication-code", c))
    if n == 1:
        return passed(
            "EP-10",
            f"one code.coding from fr-medication-code (slice nonCompoundCode 1..1, {cite})",
            f"une code.coding de fr-medication-code (tranche nonCompoundCode 1..1, {cite})",
            f"{loc}.code",
        )
    return failed(
        "EP-10",
        f"{n} code.coding from fr-medication-code, slice nonCompoundCode requires exactly 1 ({cite})",
        f"{n} code.coding de fr-medication-code, la tranche nonCompoundCode en exige exactement 1 ({cite})",
        f"{loc}.code.coding",
    )


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
            yield failed(
                "EP-10",
                "medicationReference does not resolve to a Medication in the Bundle "
                f"({rules.cite('medicationrequest')})",
                f"medicationReference ne mène à aucune Medication du Bundle ({rules.cite('medicationrequest')})",
                where,
            )
        elif target.resource.get("resourceType") != "Medication":
            yield failed(
                "EP-10",
                f"medicationReference points to a {target.resource.get('resourceType')}",
                f"medicationReference pointe vers un(e) {target.resource.get('resourceType')}",
                where,
            )
        else:
            yield passed(
                "EP-10",
                f"medicationReference resolves to {target.loc}",
                f"medicationReference pointe vers {target.loc}",
                where,
            )
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
                    yield failed(
                        "EP-12",
                        f"fr-is-vehicle must carry a valueBoolean ({cite})",
                        f"fr-is-vehicle doit porter un valueBoolean ({cite})",
                        f"{where}.extension",
                    )
            if isinstance(ing.get("itemReference"), dict):
                target = view.follow(f"{where}.itemReference")
                ok = (
                    target is not None
                    and target.resource.get("resourceType") == "Medication"
                    and not view.is_compound(target.resource)
                )
                if ok:
                    yield passed(
                        "EP-12",
                        f"component {target.loc if target else ''} is a non-compound Medication",
                        "le composant est une Medication non composée",
                        f"{where}.itemReference",
                    )
                else:
                    yield failed(
                        "EP-12",
                        f"ingredient.itemReference must point to a fr-medication-noncompound in the Bundle ({cite})",
                        f"ingredient.itemReference doit pointer vers une fr-medication-noncompound du Bundle ({cite})",
                        f"{where}.itemReference",
                    )
            elif isinstance(ing.get("itemCodeableConcept"), dict):
                yield passed("EP-12", "component given as a code", "composant donné par un code", where)
    if not seen:
        yield not_applicable("EP-12", "no compound medication", "aucun médicament composé", "Bundle")
