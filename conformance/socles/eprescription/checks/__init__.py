"""E-prescription checks over a FHIR Bundle of prescription lines, the printed ordonnance (PDF) and the
ordonnance shared by the DMP or MSSanté (EP-23).

The modules are listed in the socle's `checks` hook (their import registers them): the reader
(reader.py) has the generic engine parse and validate the Bundle once (safe parsing, base R4
structure, references, and full profile validation when FHIR packages are loaded with
`--fhir-package`); each cited French rule (profiles/eprescription/rules.toml) is a check over the
resulting view, and so are the engine's own issues (mapping.py). Every finding names a catalog
requirement, a FHIRPath location and the profile canonical|version it comes from.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.formats.fhir import FhirPackage
from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import run_checks


def prescription_findings(data: bytes, ctx: CheckContext, packages: list[FhirPackage] | None = None) -> list[Finding]:
    """Every e-prescription finding on one serialized Bundle (the mock service, the bench and tests).

    `packages` (default: the active ones) are the FHIR packages the engine validates with.
    """
    from conformance.socles.eprescription import SOCLE

    SOCLE.load_checks()
    if packages is not None:
        ctx = replace(ctx, extra={**ctx.extra, "fhir_packages": packages})
    return run_checks(Artifact("fhir", "Bundle.json", data), ctx, [SOCLE.name])
