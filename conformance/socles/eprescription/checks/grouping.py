"""The ordonnance as a whole: its lines share a groupIdentifier (EP-17), and linked lines go
through a RequestGroup (EP-18)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding, failed, not_applicable, passed, warned
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, remembered, select


def _group(res: dict[str, Any]) -> tuple[str, str] | None:
    gi = res.get("groupIdentifier")
    if isinstance(gi, dict) and gi.get("system") and gi.get("value"):
        return str(gi["system"]), str(gi["value"])
    return None


@check("fhir", "eprescription", "EP-17")
@remembered
def group_identifiers(view: View, ctx: CheckContext) -> Iterator[Finding]:
    lines = view.lines()
    src = "prescription-VueEnsemble.md, " + view.rules.cite("medicationrequest")
    for line in lines:
        gi = line.resource.get("groupIdentifier")
        where = f"{line.loc}.groupIdentifier"
        if gi is not None and _group(line.resource) is None:
            yield failed(
                "EP-17",
                f"groupIdentifier needs both system and value ({src})",
                f"groupIdentifier exige system et value ({src})",
                where,
            )
        elif gi is None and len(lines) > 1:
            yield failed(
                "EP-17",
                f"{len(lines)} lines but this one has no groupIdentifier: the ordonnance cannot be rebuilt ({src})",
                f"{len(lines)} lignes mais celle-ci n'a pas de groupIdentifier : "
                f"l'ordonnance ne peut pas être reconstituée ({src})",
                line.loc,
            )
        elif gi is None:
            yield warned(
                "EP-17",
                f"single line without groupIdentifier: the ordonnance number is not carried ({src})",
                f"ligne unique sans groupIdentifier : le numéro d'ordonnance n'est pas porté ({src})",
                line.loc,
            )
        else:
            yield passed(
                "EP-17",
                f"groupIdentifier {gi.get('system')}|{gi.get('value')}",
                f"groupIdentifier {gi.get('system')}|{gi.get('value')}",
                where,
            )
    expected = view.ctx.extra.get("ordonnance_lines")  # scenarios: {group value: number of lines}
    if isinstance(expected, dict):
        counts: dict[str, int] = {}
        for line in lines:
            g = _group(line.resource)
            if g:
                counts[g[1]] = counts.get(g[1], 0) + 1
        if sorted(counts.values()) != sorted(int(v) for v in expected.values()):
            yield failed(
                "EP-17",
                f"lines are grouped as {sorted(counts.values())}, the scenario prescribed "
                f"{sorted(expected.values())} per ordonnance",
                f"les lignes sont groupées en "
                f"{sorted(counts.values())}, le scénario a prescrit {sorted(expected.values())}",
                "Bundle",
            )


@check("fhir", "eprescription", "EP-18")
@remembered
def request_groups(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    cite = rules.cite("requestgroup")
    groups = view.of_type("RequestGroup")
    options = [ln for ln in view.lines() if ln.resource.get("intent") == "option"]
    if not groups and not options:
        yield not_applicable("EP-18", "no linked lines", "aucune ligne liée", "Bundle")
        return
    linked: dict[int, list[str]] = {}  # id(MedicationRequest) -> RequestGroup locations referencing it
    for g in groups:
        for _act, where in select(g.resource, "action", g.loc):
            target = view.follow(f"{where}.resource")
            if target is not None:
                linked.setdefault(id(target.resource), []).append(g.loc)
            for rel, rwhere in select(_act, "relatedAction", where):
                alt = [
                    e
                    for e in extensions(rel, rules.extensions["additional_relationship"])
                    if e.get("valueCode") == "ALT"
                ]
                if alt and rel.get("relationship") != "concurrent":
                    yield failed(
                        "EP-18",
                        f"the ALT extension is used with relationship {rel.get('relationship')!r}, "
                        f"only 'concurrent' is allowed ({cite})",
                        f"l'extension ALT est utilisée avec "
                        f"relationship {rel.get('relationship')!r}, seul 'concurrent' est permis ({cite})",
                        f"{rwhere}.relationship",
                    )
    for line in view.lines():
        refs = linked.get(id(line.resource), [])
        if line.resource.get("intent") != "option":
            if refs:
                yield failed(
                    "EP-18",
                    f"the line is linked by {refs[0]} but its intent is "
                    f"{line.resource.get('intent')!r}, not 'option' ({cite})",
                    f"la ligne est liée par "
                    f"{refs[0]} mais son intent est {line.resource.get('intent')!r}, pas 'option' ({cite})",
                    f"{line.loc}.intent",
                )
            continue
        mine = _group(line.resource)
        same = [g for g in groups if mine is not None and _group(g.resource) == mine and g.loc in refs]
        if same:
            yield passed(
                "EP-18",
                f"option line referenced by {same[0].loc} with the same groupIdentifier",
                f"ligne option référencée par {same[0].loc} de même groupIdentifier",
                line.loc,
            )
        else:
            yield failed(
                "EP-18",
                f"intent = option but no RequestGroup with the same groupIdentifier references this "
                f"line in action.resource ({cite})",
                f"intent = option mais aucun RequestGroup de même "
                f"groupIdentifier ne référence cette ligne dans action.resource ({cite})",
                line.loc,
            )
