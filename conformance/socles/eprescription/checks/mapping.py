"""Engine issues (paths and profiles) routed to the e-prescription requirement they break.

The engine speaks of elements; the catalog speaks of rules. Routing by the element's FHIRPath keeps
one engine for every FHIR socle while each finding still lands on the requirement a vendor reads.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.formats.fhir.bundle import BundleReport
from conformance.formats.fhir.issues import Issue, Severity
from conformance.model import Finding, failed, warned

_FATAL = {
    "parse": "EP-01",
    "too-large": "EP-01",
    "too-deep": "EP-01",
    "unknown-type": "EP-01",
    "fhir-version": "GEN-01",
}

# (marker in the path after the resource, requirement), first match wins.
_LINE = (
    (".authoredOn", "EP-02"),
    (".requester", "EP-03"),
    (".subject", "EP-05"),
    (".patientInstruction", "EP-07"),
    (".medicationCodeableConcept", "EP-08"),
    (".medicationReference", "EP-10"),
    (".route", "EP-15"),
    (".method", "EP-15"),
    (".doseAndRate", "EP-13"),
    (".maxDosePer", "EP-13"),
    (".boundsPeriod", "EP-16"),
    (".boundsDuration", "EP-16"),
    (".timing", "EP-01"),
    (".groupIdentifier", "EP-17"),
    (".dosageInstruction", "EP-06"),
)


def route(issue: Issue) -> str:
    if issue.code in _FATAL:
        return _FATAL[issue.code]
    path = issue.path
    for rtype, rid in (
        ("Medication", "EP-10"),
        ("RequestGroup", "EP-18"),
        ("Patient", "EP-05"),
        ("Practitioner", "EP-04"),
        ("Organization", "ID-03"),
    ):
        marker = f".ofType({rtype})"
        if marker in path:
            tail = path.rsplit(marker, 1)[1]
            if rtype == "Medication":
                if issue.key == "frmed-med-1":
                    return "EP-11"
                if ".ingredient" in tail:
                    return "EP-12"
            if rtype == "Patient" and ".identifier" in tail:
                return "ID-01"
            return rid
    if ".ofType(MedicationRequest)" in path:
        tail = path.rsplit(".ofType(MedicationRequest)", 1)[1]
        if tail.endswith(".dosageInstruction") or tail == "":
            return "EP-06" if tail else "EP-01"
        for marker, rid in _LINE:
            if marker in tail:
                return rid
    return "EP-01"


def _subject_of(path: str) -> str:
    """The resource an issue is about, for the EP-01 per-line summary."""
    i = path.find(".ofType(MedicationRequest)")
    return path[: i + len(".ofType(MedicationRequest)")] if i >= 0 else ""


def engine_findings(report: BundleReport) -> Iterator[Finding]:
    """One finding per engine error/warning, plus an EP-01 summary for each line that has errors."""
    per_line: dict[str, list[Issue]] = {}
    for issue in report.issues:
        if issue.severity is Severity.INFORMATION:
            continue
        rid = route(issue)
        where = issue.where()
        en, fr = f"{issue.message_en} [{where}]", f"{issue.message_fr} [{where}]"
        if issue.severity is Severity.ERROR:
            yield failed(rid, en, fr, issue.path)
            line = _subject_of(issue.path)
            if line and rid != "EP-01":
                per_line.setdefault(line, []).append(issue)
        else:
            yield warned(rid, en, fr, issue.path)
    for line, issues in per_line.items():
        first = issues[0]
        yield failed(
            "EP-01",
            f"the prescription line has {len(issues)} validation error(s); first: {first.path}: {first.message_en}",
            f"la ligne de prescription a {len(issues)} erreur(s) de validation ; "
            f"première : {first.path} : {first.message_fr}",
            line,
        )
