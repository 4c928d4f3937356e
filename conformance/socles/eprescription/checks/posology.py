"""Posology rules of the IG's Modelisation page: quantities (EP-13, EP-14), route and method
(EP-15), treatment dates (EP-16), patches and calculated doses (EP-20)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from conformance.model import CheckContext, Finding, failed, not_applicable, passed, warned
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, remembered, select


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
                yield failed(
                    "EP-13",
                    f"comparator is forbidden on dose quantities (FrSimpleQuantityMedication comparator 0..0, {cite})",
                    f"comparator est interdit sur les quantités de dose "
                    f"(FrSimpleQuantityMedication comparator 0..0, {cite})",
                    f"{where}.comparator",
                )
            code = str(q.get("code", ""))
            if q.get("system") == ucum and any(m in code for m in marks):
                yield failed(
                    "EP-14",
                    f"UCUM code {code!r} is an annotation/non-unit ({{…}}, […]): not a dose unit; "
                    f"put a non-UCUM unit in unit only ({cite}, Modelisation « unités »)",
                    f"le code UCUM {code!r} est une annotation/non-unité ({{…}}, […]) : pas une unité "
                    f"de dose ; une unité non UCUM va dans unit seulement ({cite})",
                    f"{where}.code",
                )
            else:
                yield passed("EP-14", "dose unit acceptable", "unité de dose acceptable", where)
    if not any_q:
        yield not_applicable("EP-14", "no dose quantity", "aucune quantité de dose", "Bundle")


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
                    yield passed("EP-15", f"{field} coded in EDQM ({cite})", f"{field} codé en EDQM ({cite})", where)
                else:
                    yield failed(
                        "EP-15",
                        f"{field} is coded outside EDQM {edqm} (extensible binding {cite})",
                        f"{field} est codé hors EDQM {edqm} (liaison extensible {cite})",
                        where,
                    )


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
                ok = duration.get("system") == ucum and duration.get("code") in codes
                if ok:
                    yield passed(
                        "EP-16",
                        f"boundsDuration in UCUM {duration.get('code')}",
                        f"boundsDuration en UCUM {duration.get('code')}",
                        f"{where}.boundsDuration",
                    )
                else:
                    yield failed(
                        "EP-16",
                        f"boundsDuration unit must be UCUM {'/'.join(sorted(codes))} ({cite})",
                        f"l'unité de boundsDuration doit être UCUM {'/'.join(sorted(codes))} ({cite})",
                        f"{where}.boundsDuration",
                    )
        disp = line.resource.get("dispenseRequest")
        if not bounded and isinstance(disp, dict) and "expectedSupplyDuration" in disp:
            yield warned(
                "EP-16",
                f"no timing.repeat.bounds[x] but dispenseRequest.expectedSupplyDuration: the "
                f"treatment duration belongs in bounds[x] ({cite})",
                f"pas de timing.repeat.bounds[x] mais "
                f"dispenseRequest.expectedSupplyDuration : la durée de traitement va dans bounds[x] ({cite})",
                f"{line.loc}.dispenseRequest.expectedSupplyDuration",
            )


def _period(period: dict[str, Any], where: str, step: int, cite: str) -> Iterator[Finding]:
    start, end = period.get("start"), period.get("end")
    if end is None:
        yield passed("EP-16", "boundsPeriod without end", "boundsPeriod sans fin", where)
        return
    t0, t1 = _instant(start), _instant(end)
    if t1 is None:
        yield warned(
            "EP-16",
            f"boundsPeriod.end {end!r} has no time: an exclusive end (start + duration − 1 s) "
            f"cannot be expressed ({cite})",
            f"boundsPeriod.end {end!r} n'a pas d'heure : une fin exclusive "
            f"(début + durée − 1 s) ne peut pas s'exprimer ({cite})",
            f"{where}.end",
        )
        return
    if t0 is None or (t0.tzinfo is None) != (t1.tzinfo is None):
        return  # no comparable start: nothing to say about exclusivity
    span = t1 - t0 + timedelta(seconds=1)
    if span.total_seconds() > 0 and span.total_seconds() % step == 0:
        yield passed(
            "EP-16",
            f"boundsPeriod end {end} is exclusive (start + duration − 1 s)",
            f"la fin {end} de boundsPeriod est exclusive (début + durée − 1 s)",
            f"{where}.end",
        )
    else:
        yield failed(
            "EP-16",
            f"boundsPeriod end {end} is not start + duration − 1 s (exclusive end) for start {start} ({cite})",
            f"la fin {end} de boundsPeriod n'est pas début + durée − 1 s (fin exclusive) pour le "
            f"début {start} ({cite})",
            f"{where}.end",
        )


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
                if isinstance(rep, dict) and "duration" in rep and "durationUnit" in rep:
                    yield passed(
                        "EP-20",
                        "patch with timing.repeat.duration and durationUnit",
                        "patch avec timing.repeat.duration et durationUnit",
                        where,
                    )
                else:
                    yield failed(
                        "EP-20",
                        f"a patch prescription must give timing.repeat.duration + durationUnit "
                        f"({cite}, Modelisation « Précisions sur les patchs »)",
                        f"une prescription de patch doit donner timing.repeat.duration + durationUnit ({cite})",
                        where,
                    )
        if not view.is_inpatient(line):
            for coding, where in select(line.resource, "dosageInstruction.doseAndRate.type.coding", line.loc):
                if (
                    isinstance(coding, dict)
                    and coding.get("system") == rules.systems["dose_rate_type"]
                    and coding.get("code") == rules.posology["calculated_dose_code"]
                ):
                    seen = True
                    yield failed(
                        "EP-20",
                        f"a town prescription structures only the absolute dose: no 'calculated' "
                        f"doseAndRate (relative dose in additionalInstruction.text) ({cite})",
                        "en ville seule la dose absolue est structurée : pas de doseAndRate 'calculated' "
                        f"(dose relative dans additionalInstruction.text) ({cite})",
                        where,
                    )
    if not seen:
        yield not_applicable("EP-20", "no patch and no calculated dose", "ni patch ni dose calculée", "Bundle")
