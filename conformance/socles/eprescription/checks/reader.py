"""How the e-prescription socle reads a FHIR artifact: once, into the `View` every check receives.

The engine parses the Bundle safely and validates it (base R4, references, and the profiles of the
FHIR packages given with `--fhir-package`, or those of `ctx.extra["fhir_packages"]`). A Bundle the
engine cannot read (not JSON, too large, too deep, not a Bundle) is refused here, once: it fails
EP-01 with the engine's reason; the other rules are not judged on it (a scenario that declares them
still fails: they have no finding).
"""

from __future__ import annotations

from conformance.formats.fhir.package import FhirPackage, active_packages
from conformance.model import Artifact, CheckContext
from conformance.registry import Unreadable, reader
from conformance.socles.eprescription.checks.ruleset import load_ruleset
from conformance.socles.eprescription.checks.view import View
from conformance.socles.eprescription.messages import M


def packages_for(ctx: CheckContext) -> list[FhirPackage]:
    """The packages a scenario or a caller chose (`ctx.extra["fhir_packages"]`), else the active ones."""
    given = ctx.extra.get("fhir_packages")
    if isinstance(given, list) and all(isinstance(p, FhirPackage) for p in given):
        return given
    return active_packages()


@reader("fhir", "eprescription", "EP-01", fail_skipped=False)
def read_bundle(artifact: Artifact, ctx: CheckContext) -> View:
    # the engine (pydantic, the FHIR models' metadata, FHIRPath: 90 ms) is imported by the first Bundle read,
    # not with the checks: a parallel worker that runs no e-prescription scenario never reads one
    from conformance.formats.fhir.bundle import validate_bundle

    packages = packages_for(ctx)
    report = validate_bundle(artifact.data, packages)
    if report.index is None or not report.readable:
        first = next((i for i in report.issues if i.is_error), None)
        text = M.text("engine.issue", issue=first, where=first.where()) if first else M.text("engine.unreadable")
        raise Unreadable(text.en, text.fr, first.path if first else "Bundle")
    return View(report, report.index, load_ruleset(), ctx, packages)
