"""The ordonnance as a whole: its lines share a groupIdentifier (EP-17), and linked lines go
through a RequestGroup (EP-18)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, remembered, select
from conformance.socles.eprescription.messages import M


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
            yield M.fail("EP-17", "group.incomplete", where, source=src)
        elif gi is None and len(lines) > 1:
            yield M.fail("EP-17", "group.missing", line.loc, lines=len(lines), source=src)
        elif gi is None:
            yield M.warn("EP-17", "group.single-line", line.loc, source=src)
        else:
            yield M.passed("EP-17", "group.ok", where, system=gi.get("system"), value=gi.get("value"))
    expected = view.ctx.extra.get("ordonnance_lines")  # scenarios: {group value: number of lines}
    if isinstance(expected, dict):
        counts: dict[str, int] = {}
        for line in lines:
            g = _group(line.resource)
            if g:
                counts[g[1]] = counts.get(g[1], 0) + 1
        if sorted(counts.values()) != sorted(int(v) for v in expected.values()):
            yield M.fail(
                "EP-17", "group.counts", "Bundle", found=sorted(counts.values()), expected=sorted(expected.values())
            )


@check("fhir", "eprescription", "EP-18")
@remembered
def request_groups(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-18, as the Modelisation page « Liens entre lignes de prescription » says it: a RequestGroup is
    one way ("il est possible d'en modéliser certains") to link lines, it is tied to them by
    groupIdentifier, and it "impose que les MedicationRequest liées aient comme valeur option pour
    MedicationRequest.intent". The converse does not hold: an option line is to be looked up in
    "d'éventuelles ressources RequestGroup", so an option line without one is not a failure."""
    rules = view.rules
    cite = rules.cite("requestgroup") + ", Modelisation « Liens entre lignes de prescription »"
    groups = view.of_type("RequestGroup")
    options = [ln for ln in view.lines() if ln.resource.get("intent") == "option"]
    if not groups and not options:
        yield M.not_applicable("EP-18", "requestgroup.none", "Bundle")
        return
    linked: dict[int, list[Any]] = {}  # id(MedicationRequest) -> the RequestGroup entries referencing it
    for g in groups:
        for act, where in select(g.resource, "action", g.loc):
            if isinstance(act, dict) and isinstance(act.get("resource"), dict):
                target = view.follow(f"{where}.resource")
                if target is None or target.resource.get("resourceType") != "MedicationRequest":
                    yield M.fail("EP-18", "requestgroup.action-unresolved", f"{where}.resource", cite=cite)
                else:
                    linked.setdefault(id(target.resource), []).append(g)
            yield from _alt_relationships(view, act, where, cite)
    for line in view.lines():
        refs = linked.get(id(line.resource), [])
        intent = line.resource.get("intent")
        if not refs:
            if intent == "option":
                yield M.not_applicable("EP-18", "requestgroup.option-alone", line.loc, cite=cite)
            continue
        if intent != "option":
            yield M.fail(
                "EP-18", "requestgroup.not-option", f"{line.loc}.intent", group=refs[0].loc, intent=intent, cite=cite
            )
        elif any(_group(g.resource) is not None and _group(g.resource) == _group(line.resource) for g in refs):
            yield M.passed("EP-18", "requestgroup.linked", line.loc, group=refs[0].loc)
        else:
            yield M.fail(
                "EP-18", "requestgroup.other-group", f"{line.loc}.groupIdentifier", group=refs[0].loc, cite=cite
            )


def _alt_relationships(view: View, act: Any, where: str, cite: str) -> Iterator[Finding]:
    """The ALT extension (alternative between two lines) goes with relationship = concurrent."""
    url = view.rules.extensions["additional_relationship"]
    for rel, rwhere in select(act, "relatedAction", where):
        alt = [e for e in extensions(rel, url) if e.get("valueCode") == "ALT"]
        if alt and rel.get("relationship") != "concurrent":
            yield M.fail(
                "EP-18",
                "requestgroup.alt-relationship",
                f"{rwhere}.relationship",
                relationship=rel.get("relationship"),
                cite=cite,
            )
