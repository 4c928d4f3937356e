"""E-prescription checks (registered on import): one check over a FHIR Bundle of prescription lines.

`check_prescription_bundle` runs the generic engine (safe parsing, base R4 structure, references,
and full profile validation when FHIR packages are loaded with `--fhir-package`), then the
harness's cited French rules (profiles/eprescription/rules.toml). Every finding names a catalog
requirement, a FHIRPath location and the profile canonical|version it comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from conformance.engine.validate import register_input_rule
from conformance.formats.fhir import FhirPackage, active_packages, validate_bundle
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.eprescription.checks import datarules, grouping, lines, medication, people, posology
from conformance.socles.eprescription.checks import ordonnance as ordonnance  # registers the "pdf" check
from conformance.socles.eprescription.checks import shared as shared  # EP-23: ordonnance to the DMP, by MSSanté
from conformance.socles.eprescription.checks.mapping import engine_findings
from conformance.socles.eprescription.checks.ruleset import RuleSet, load_ruleset
from conformance.socles.eprescription.checks.view import View

register_input_rule("fhir", "eprescription", "EP-01")  # a Bundle too large or unreadable fails EP-01

RULES: tuple[Callable[[View], Iterator[Finding]], ...] = (
    lines.declared_profile,
    lines.authored_on,
    lines.rendering,
    lines.canonicals,
    datarules.cardinalities,
    datarules.invariants,
    people.requester,
    people.prescriber_idnps,
    people.subject,
    people.qualified_ins,
    people.ins_values,
    people.ins_patient,
    people.structures,
    medication.codes,
    medication.formats,
    medication.references,
    medication.compounds,
    posology.comparators_and_units,
    posology.route_method,
    posology.treatment_dates,
    posology.patches_and_calculated,
    grouping.group_identifiers,
    grouping.request_groups,
)


def _packages(ctx: CheckContext) -> list[FhirPackage]:
    given = ctx.extra.get("fhir_packages")
    if isinstance(given, list) and all(isinstance(p, FhirPackage) for p in given):
        return given
    return active_packages()


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """A failure the French rules and the engine both see at one place is reported once."""
    out: list[Finding] = []
    seen: set[tuple[str, str, Verdict]] = set()
    for f in findings:
        where = f.location[: -len(".reference")] if f.location.endswith(".reference") else f.location
        key = (f.requirement, where, f.verdict)
        if f.verdict is not Verdict.PASS and key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def prescription_findings(
    data: bytes, ctx: CheckContext, packages: list[FhirPackage] | None = None, rules: RuleSet | None = None
) -> list[Finding]:
    """All findings for one serialized Bundle (the check without the registry, for services and tests)."""
    pkgs = _packages(ctx) if packages is None else packages
    rs = rules or load_ruleset()
    report = validate_bundle(data, pkgs)
    found: list[Finding] = []
    if report.readable:
        assert report.index is not None
        view = View(report, report.index, rs, ctx)
        for rule in RULES:
            found.extend(rule(view))
    found.extend(engine_findings(report))
    found.append(lines.versions(rs.label, rs.ig_package, rs.ig_version, pkgs))
    return _dedupe(found)


@check("fhir", "eprescription")
def check_prescription_bundle(artifact: Artifact, ctx: CheckContext) -> list[Finding]:
    findings = prescription_findings(artifact.data, ctx)
    for f in findings:
        f.evidence = artifact.sha256
    return findings
