"""What holds an ordonnance together: written in the past (EP-29), sent as an ordonnance (EP-30), made of
orders (EP-31), for one patient (EP-33) whose INS agrees with their traits (ID-04).

Each rule cites its source in the catalog; the facts (clock skew, Bundle types, intents) are in
profiles/eprescription/rules.toml [coherence]. EP-29 judges against the reference time of the context:
the capture time (a scenario) or `validate --at`, else the validation time, and says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.formats.ins import nir_problem, traits_disagreement
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, remembered, select
from conformance.socles.eprescription.messages import M


def reference_time(ctx: CheckContext) -> tuple[datetime, Text]:
    """The time EP-29 compares with, and the words saying which time it is."""
    # the capture time or --at when the engine gives one (CheckContext.at), or a scenario's own (extra["at"])
    given = getattr(ctx, "at", None) or ctx.extra.get("at")
    source = (getattr(ctx, "at_source", "") or "given") if isinstance(given, datetime) else "validation"
    at = given if isinstance(given, datetime) else datetime.now(UTC)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if source == "capture":
        return at, M.text("time.capture", at=stamp)
    if source == "given":
        return at, M.text("time.given", at=stamp)
    return at, M.text("time.validation", at=stamp)


def _authored(value: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None  # a time without offset is EP-02's failure, not a time to compare


@check("fhir", "eprescription", "EP-29")
@remembered
def written_in_the_past(view: View, ctx: CheckContext) -> Iterator[Finding]:
    skew = timedelta(minutes=int(view.rules.coherence["clock_skew_minutes"]))
    at, said = reference_time(ctx)
    seen = False
    for line in view.lines():
        value = line.resource.get("authoredOn")
        if not isinstance(value, str):
            continue
        where = f"{line.loc}.authoredOn"
        if len(value) == 10:  # a date: in the future when after the reference day anywhere on Earth
            try:
                future = datetime.fromisoformat(value).date() > (at + timedelta(hours=14) + skew).date()
            except ValueError:
                continue
        else:
            t = _authored(value)
            if t is None:
                continue
            future = t > at + skew
        seen = True
        minutes = int(skew.total_seconds() // 60)
        yield M.judge(
            "EP-29", not future, "authored.past", "authored.future", where, value=value, when=said, skew=minutes
        )
    if not seen:
        yield M.not_applicable("EP-29", "authored.none", "Bundle")


@check("fhir", "eprescription", "EP-30")
@remembered
def bundle_type(view: View, ctx: CheckContext) -> Iterator[Finding]:
    bundle = view.report.bundle or {}
    allowed = list(view.rules.coherence["bundle_types"])
    kind = bundle.get("type")
    yield M.judge(
        "EP-30", kind in allowed, "bundle.type-ok", "bundle.type-other", "Bundle.type", type=kind, allowed=allowed
    )


@check("fhir", "eprescription", "EP-31")
@remembered
def line_intents(view: View, ctx: CheckContext) -> Iterator[Finding]:
    allowed = list(view.rules.coherence["line_intents"])
    for line in view.lines():
        intent = line.resource.get("intent")
        where = f"{line.loc}.intent"
        yield M.judge("EP-31", intent in allowed, "intent.order", "intent.other", where, intent=intent, allowed=allowed)


def _ins(view: View, patient: dict[str, Any], loc: str) -> list[tuple[dict[str, Any], str]]:
    s = view.rules.systems
    systems = {s["ins_nir"], s["ins_nia"], s["ins_nir_test"], s["ins_nia_test"]}
    return [(i, w) for i, w in select(patient, "identifier", loc) if isinstance(i, dict) and i.get("system") in systems]


def _who(view: View, line_loc: str, subject: dict[str, Any]) -> str | None:
    """Who a line's subject is: the INS of the Patient it reaches, else that resource, else the reference;
    None when it reaches something else than a Patient (EP-05's failure, not a second patient)."""
    target = view.follow(f"{line_loc}.subject")
    if target is None:
        return f"reference {subject.get('reference') or subject.get('identifier')}"
    if target.resource.get("resourceType") != "Patient":
        return None
    ins = sorted(f"{i.get('system')}|{i.get('value')}" for i, _ in _ins(view, target.resource, target.loc))
    return ins[0] if ins else target.loc


@check("fhir", "eprescription", "EP-33")
@remembered
def one_patient(view: View, ctx: CheckContext) -> Iterator[Finding]:
    ordonnances: dict[str, list[tuple[str, str]]] = {}  # group (or "Bundle") -> [(who, line location)]
    for line in view.lines():
        subject = line.resource.get("subject")
        if not isinstance(subject, dict):
            continue  # no subject: the cardinality rule of EP-05
        who = _who(view, line.loc, subject)
        if who is None:
            continue
        gi = line.resource.get("groupIdentifier")
        group = f"{gi.get('system')}|{gi.get('value')}" if isinstance(gi, dict) else "Bundle"
        ordonnances.setdefault(group, []).append((who, line.loc))
    if not ordonnances:
        yield M.not_applicable("EP-33", "patients.none", "Bundle")
    for group, lines in ordonnances.items():
        patients = sorted({w for w, _ in lines})
        if len(patients) == 1:
            yield M.passed("EP-33", "patients.one", lines[0][1], group=group, count=len(lines))
            continue
        first = lines[0][0]
        for w, loc in lines:
            if w != first:
                yield M.fail("EP-33", "patients.several", f"{loc}.subject", group=group, patients=patients)


@check("fhir", "eprescription", "ID-04")
@remembered
def ins_traits(view: View, ctx: CheckContext) -> Iterator[Finding]:
    seen = False
    for patient, loc in view.resources("Patient"):
        for ident, where in _ins(view, patient, loc):
            value = str(ident.get("value", ""))
            if nir_problem(value) is not None:
                continue  # a wrong matricule is ID-01's finding
            seen = True
            yield from _traits(value, patient, loc, f"{where}.value")
    if not seen:
        yield M.not_applicable("ID-04", "traits.none", "Bundle")


def _traits(ins: str, patient: dict[str, Any], loc: str, where: str) -> Iterator[Finding]:
    """The matricule read as every socle reads it (`formats.ins.traits_disagreement`), worded here."""
    birth, gender = patient.get("birthDate"), patient.get("gender")
    conflicts = traits_disagreement(
        ins, birth if isinstance(birth, str) else None, gender if isinstance(gender, str) else None
    )
    for c in conflicts:
        place = f"{loc}.gender" if c.trait == "sex" else f"{loc}.birthDate"
        key = "traits.sex" if c.trait == "sex" else "traits.year" if c.trait == "year" else "traits.month"
        text = M.text(key, found=c.found, encoded=c.encoded)
        yield M.fail("ID-04", "traits.disagree", place, ins=ins, problem=text)
    if not conflicts:
        yield M.passed("ID-04", "traits.agree", where, ins=ins)
