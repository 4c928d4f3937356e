"""Posology rules of the IG's Modelisation page: quantities (EP-13, EP-14), route and method
(EP-15), treatment dates (EP-16), patches and calculated doses (EP-20)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, remembered, select
from conformance.socles.eprescription.messages import M


def _quantities(view: View, line_res: dict[str, Any], loc: str) -> list[tuple[Any, str]]:
    inv = next(i for i in view.rules.invariants if i.key == "fr-med-smpl-quant-1")
    return [n for p in inv.paths for n in select(line_res, p, loc) if isinstance(n[0], dict)]


@check("fhir", "eprescription", "EP-13", "EP-14")
@remembered
def comparators_and_units(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    ucum, marks = rules.systems["ucum"], tuple(rules.posology["ucum_annotation_chars"])
    cite = rules.cite("medicationrequest")
    any_q = False
    for line in view.lines():
        for q, where in _quantities(view, line.resource, line.loc):
            any_q = True
            if "comparator" in q:
                yield M.fail("EP-13", "dose.comparator", f"{where}.comparator", cite=cite)
            code = str(q.get("code", ""))
            if q.get("system") == ucum and any(m in code for m in marks):
                yield M.fail("EP-14", "dose.unit-annotation", f"{where}.code", code=code, cite=cite)
            else:
                yield M.passed("EP-14", "dose.unit-ok", where)
    if not any_q:
        yield M.not_applicable("EP-14", "dose.none", "Bundle")


@check("fhir", "eprescription", "EP-15")
@remembered
def route_method(view: View, ctx: CheckContext) -> Iterator[Finding]:
    edqm = view.rules.systems["edqm"]
    for line in view.lines():
        for field, vs in (("route", "fr-route-of-administration"), ("method", "FrMethodOfAdministration")):
            for concept, where in select(line.resource, f"dosageInstruction.{field}", line.loc):
                codings = (
                    [c for c in (concept.get("coding") or []) if isinstance(c, dict)]
                    if isinstance(concept, dict)
                    else []
                )
                if not codings:
                    continue  # text only: nothing coded to judge
                cite = view.rules.ig_canonical_vs(vs)
                if any(c.get("system") == edqm for c in codings):
                    yield M.passed("EP-15", "route.edqm", where, field=field, cite=cite)
                else:
                    yield M.fail("EP-15", "route.not-edqm", where, field=field, edqm=edqm, cite=cite)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@check("fhir", "eprescription", "EP-16")
@remembered
def treatment_dates(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    step = int(rules.posology["exclusive_end_step_seconds"])
    ucum, codes = rules.systems["ucum"], set(rules.posology["bounds_duration_codes"])
    cite = f"{rules.cite('medicationrequest')}, Modelisation « Dates de début, de fin et durée »"
    for line in view.lines():
        bounded = False
        for rep, where in select(line.resource, "dosageInstruction.timing.repeat", line.loc):
            if not isinstance(rep, dict):
                continue
            period, duration = rep.get("boundsPeriod"), rep.get("boundsDuration")
            if isinstance(period, dict):
                bounded = True
                yield from _period(period, f"{where}.boundsPeriod", step, cite)
            if isinstance(duration, dict):
                bounded = True
                here = f"{where}.boundsDuration"
                if duration.get("system") == ucum and duration.get("code") in codes:
                    yield M.passed("EP-16", "duration.ucum", here, code=duration.get("code"))
                else:
                    yield M.fail("EP-16", "duration.not-ucum", here, codes="/".join(sorted(codes)), cite=cite)
        disp = line.resource.get("dispenseRequest")
        if not bounded and isinstance(disp, dict) and "expectedSupplyDuration" in disp:
            yield M.warn("EP-16", "duration.in-supply", f"{line.loc}.dispenseRequest.expectedSupplyDuration", cite=cite)


def _period(period: dict[str, Any], where: str, step: int, cite: str) -> Iterator[Finding]:
    start, end = period.get("start"), period.get("end")
    if end is None:
        yield M.passed("EP-16", "period.open", where)
        return
    t0, t1 = _instant(start), _instant(end)
    if t1 is None:
        yield M.warn("EP-16", "period.no-time", f"{where}.end", end=end, cite=cite)
        return
    if t0 is None or (t0.tzinfo is None) != (t1.tzinfo is None):
        return  # no comparable start: nothing to say about exclusivity
    # Modelisation « Dates et durée de prescription »: the prescribed end is excluded, [start, end[ is
    # written end − 1 s; the end is either computed (start + duration − 1 s: a whole number of minutes
    # after start, less one second) or entered by the prescriber ("en général il en fixe deux et le
    # troisième est calculé"), at the minute or the hour, whose missing seconds are then filled with 59
    span = t1 - t0 + timedelta(seconds=1)
    if span.total_seconds() <= 0:
        yield M.fail("EP-16", "period.before-start", f"{where}.end", end=end, start=start, cite=cite)
    elif span.total_seconds() % step == 0:
        yield M.passed("EP-16", "period.exclusive", f"{where}.end", end=end)
    elif t1.second == 59:
        yield M.passed("EP-16", "period.entered-end", f"{where}.end", end=end)
    else:
        yield M.fail("EP-16", "period.inclusive", f"{where}.end", end=end, start=start, cite=cite)


def _is_patch(view: View, line_res: dict[str, Any], loc: str) -> bool:
    rules = view.rules
    edqm = rules.systems["edqm"]
    units = set(rules.posology["patch_dose_units"])
    for q, _ in select(line_res, "dosageInstruction.doseAndRate.doseQuantity", loc):
        if isinstance(q, dict) and q.get("system") == edqm and q.get("code") in units:
            return True
    target = (
        view.follow(f"{loc}.medicationReference") if isinstance(line_res.get("medicationReference"), dict) else None
    )
    if target is not None:
        forms = set(rules.posology["patch_forms"])
        return any(
            isinstance(c, dict) and c.get("system") == edqm and c.get("code") in forms
            for c, _ in select(target.resource, "form.coding", target.loc)
        )
    return False


@check("fhir", "eprescription", "EP-20")
@remembered
def patches_and_calculated(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    cite = rules.cite("medicationrequest")
    seen = False
    for line in view.lines():
        if _is_patch(view, line.resource, line.loc):
            seen = True
            for rep, where in select(line.resource, "dosageInstruction.timing.repeat", line.loc):
                timed = isinstance(rep, dict) and "duration" in rep and "durationUnit" in rep
                yield M.judge("EP-20", timed, "patch.duration", "patch.no-duration", where, cite=cite)
        if not view.is_inpatient(line):
            for coding, where in select(line.resource, "dosageInstruction.doseAndRate.type.coding", line.loc):
                if (
                    isinstance(coding, dict)
                    and coding.get("system") == rules.systems["dose_rate_type"]
                    and coding.get("code") == rules.posology["calculated_dose_code"]
                ):
                    seen = True
                    yield M.fail("EP-20", "dose.calculated", where, cite=cite)
    if not seen:
        yield M.not_applicable("EP-20", "patch.none", "Bundle")
