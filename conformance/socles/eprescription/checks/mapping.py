"""Engine issues (paths and profiles) routed to the e-prescription requirement they break, and the
versions the Bundle was validated with (GEN-02).

The engine speaks of elements; the catalog speaks of rules. Routing by the element's FHIRPath keeps
one engine for every FHIR socle while each finding still lands on the requirement a vendor reads.
Where a cited rule of the socle already judged a requirement at a place, the engine's issue there
is left out: the vendor reads the rule's message (with its source), once.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.formats.fhir.issues import Issue, Severity
from conformance.messages import finding
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.eprescription.checks.view import RULES, View
from conformance.socles.eprescription.messages import M

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


# (resource type, requirement) for issues inside a resource other than the line, first match wins.
_RESOURCE = (
    ("Medication", "EP-10"),
    ("RequestGroup", "EP-18"),
    ("Patient", "EP-05"),
    ("Practitioner", "EP-04"),
    ("Organization", "ID-03"),
)
_SPECIAL = ("EP-11", "EP-12", "ID-01")  # frmed-med-1, ingredients, INS identifiers

# every requirement an engine issue can land on
ROUTED = tuple(
    dict.fromkeys([*_FATAL.values(), *(r for _, r in _RESOURCE), *_SPECIAL, *(r for _, r in _LINE), "EP-06"])
)


def route(issue: Issue) -> str:
    if issue.code in _FATAL:
        return _FATAL[issue.code]
    path = issue.path
    for rtype, rid in _RESOURCE:
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


def _place(location: str) -> str:
    """A Reference and its `.reference` element are one place (the rules judge the Reference)."""
    return location.removesuffix(".reference")


def _judged_by_rules(view: View, ctx: CheckContext) -> set[tuple[str, str, Verdict]]:
    """(requirement, place, verdict) of every failure or warning the cited rules report on this Bundle."""
    out: set[tuple[str, str, Verdict]] = set()
    for rule in RULES.values():
        try:
            said = view.said_by(rule, ctx)
        except Exception:  # a crashing rule judges nothing; the registry reports its crash
            continue
        out.update((f.requirement, _place(f.location), f.verdict) for f in said if f.verdict is not Verdict.PASS)
    return out


@check("fhir", "eprescription", *ROUTED)
def engine_issues(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """The engine's errors and warnings the cited rules did not already report at the same place."""
    yield from engine_findings(view, _judged_by_rules(view, ctx))


def engine_findings(view: View, judged: set[tuple[str, str, Verdict]] | None = None) -> Iterator[Finding]:
    """One finding per engine error/warning a cited rule did not already report at its place (`judged`),
    plus an EP-01 summary for each line that has such errors."""
    per_line: dict[str, list[Issue]] = {}
    for issue in view.report.issues:
        if issue.severity is Severity.INFORMATION:
            continue
        rid = route(issue)
        error = issue.severity is Severity.ERROR
        verdict = Verdict.FAIL if error else Verdict.WARN
        if judged is not None and (rid, _place(issue.path), verdict) in judged:
            continue
        text = M.text("engine.issue", issue=issue, where=issue.where())
        yield finding(rid, verdict, text, issue.path)
        line = _subject_of(issue.path)
        if error and line and rid != "EP-01":
            per_line.setdefault(line, []).append(issue)
    for line, issues in per_line.items():
        yield M.fail("EP-01", "engine.line-errors", line, count=len(issues), first=issues[0])


@check("fhir", "eprescription", "GEN-02")
def versions(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """GEN-02: the rule set and the FHIR packages the Bundle was validated with, and any version drift."""
    rules, packages = view.rules, view.packages
    loaded = ", ".join(p.label for p in packages) or "none (harness rule set only)"
    drift = [p for p in packages if p.name == rules.ig_package and p.version != rules.ig_version]
    if drift:
        yield M.warn(
            "GEN-02",
            "versions.drift",
            "Bundle",
            ruleset=rules.label,
            loaded=loaded,
            package=rules.ig_package,
            loaded_version=drift[0].version,
            version=rules.ig_version,
        )
    else:
        yield M.passed("GEN-02", "versions.validated", "Bundle", ruleset=rules.label, loaded=loaded)
