"""How the e-prescription socle reads a FHIR artifact: once, into the `View` every check receives.

The engine parses the Bundle safely and validates it (base R4, references, and the profiles of the
FHIR packages given with `--fhir-package`, or those of `ctx.extra["fhir_packages"]`). A Bundle the
engine cannot read (not JSON, too large, too deep, not a Bundle) is refused here, once: it fails
EP-01 with the engine's reason, and so does every requirement the checks would have judged.
"""

from __future__ import annotations

from conformance.formats.fhir import FhirPackage, Issue, active_packages, validate_bundle
from conformance.model import Artifact, CheckContext
from conformance.registry import Unreadable, reader
from conformance.socles.eprescription.checks.ruleset import load_ruleset
from conformance.socles.eprescription.checks.view import View


def packages_for(ctx: CheckContext) -> list[FhirPackage]:
    """The packages a scenario or a caller chose (`ctx.extra["fhir_packages"]`), else the active ones."""
    given = ctx.extra.get("fhir_packages")
    if isinstance(given, list) and all(isinstance(p, FhirPackage) for p in given):
        return given
    return active_packages()


def issue_text(issue: Issue) -> tuple[str, str]:
    """The engine's message, with the profile and element (or base FHIR R4) stating the rule."""
    where = issue.where()
    return f"{issue.message_en} [{where}]", f"{issue.message_fr} [{where}]"


@reader("fhir", "eprescription", "EP-01")
def read_bundle(artifact: Artifact, ctx: CheckContext) -> View:
    packages = packages_for(ctx)
    report = validate_bundle(artifact.data, packages)
    if report.index is None or not report.readable:
        first = next((i for i in report.issues if i.is_error), None)
        if first is None:
            raise Unreadable("the Bundle could not be read", "le Bundle n'a pas pu être lu", "Bundle")
        en, fr = issue_text(first)
        raise Unreadable(en, fr, first.path)
    return View(report, report.index, load_ruleset(), ctx, packages)
