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
    rules = view.rules
    cite = rules.cite("requestgroup")
    groups = view.of_type("RequestGroup")
    options = [ln for ln in view.lines() if ln.resource.get("intent") == "option"]
    if not groups and not options:
        yield M.not_applicable("EP-18", "requestgroup.none", "Bundle")
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
                    yield M.fail(
                        "EP-18",
                        "requestgroup.alt-relationship",
                        f"{rwhere}.relationship",
                        relationship=rel.get("relationship"),
                        cite=cite,
                    )
    for line in view.lines():
        refs = linked.get(id(line.resource), [])
        if line.resource.get("intent") != "option":
            if refs:
                intent = line.resource.get("intent")
                yield M.fail(
                    "EP-18", "requestgroup.not-option", f"{line.loc}.intent", group=refs[0], intent=intent, cite=cite
                )
            continue
        mine = _group(line.resource)
        same = [g for g in groups if mine is not None and _group(g.resource) == mine and g.loc in refs]
        if same:
            yield M.passed("EP-18", "requestgroup.linked", line.loc, group=same[0].loc)
        else:
            yield M.fail("EP-18", "requestgroup.unlinked", line.loc, cite=cite)
