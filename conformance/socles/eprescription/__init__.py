"""The e-prescription socle: FHIR content of an ordonnance numérique (ANS ePrescription IG + FR Core).

The CNAM téléservice contract is not public; this socle checks the FHIR content a DUI produces and
its workflow (registration, printed ordonnance, cancellation, refusals) against a documented stand-in
service (docs/eprescription-contract.md).
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Option, Service, Socle

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="eprescription",
    title_fr="Ordonnance numérique (e-prescription)",
    title_en="E-prescription (ordonnance numérique)",
    catalog=profiles_dir() / "eprescription" / "requirements.toml",
    suite=_HERE / "suite",
    checks=tuple(
        f"conformance.socles.eprescription.checks.{m}"
        for m in (
            "reader",
            "lines",
            "datarules",
            "people",
            "medication",
            "posology",
            "grouping",
            "coherence",
            "units",
            "mapping",  # after the rules: the engine's issues they did not already report
            "ordonnance",
            "shared",
        )
    )
    + ("conformance.socles.eprescription.observations",),
    identity="conformance.socles.eprescription.identity:observed",
    fixtures="conformance.socles.eprescription.fixtures",
    options=(
        Option(
            "fhir-package",
            "FHIR IG package (folder or .tgz): Bundles are checked against its profiles, value sets, code systems",
            kind="path",
            multiple=True,
            commands=("validate",),
            metavar="PATH",
        ),
    ),
    configure="conformance.socles.eprescription.options:configure",
    services=(
        Service(
            "eprescription",
            "E-prescription stand-in: FHIR R4 REST (Bundle, $cancel), mutual TLS",
            "conformance.socles.eprescription.service.standalone:run_standalone",
            ports={"https": 10444},  # fixed default, documented (README, docs/connection-kit.md)
            describe="conformance.socles.eprescription.service.standalone:describe",
            judge=("fhir",),
        ),
    ),
    manual="conformance.socles.eprescription.reference.prompts:PROMPTS",
    reference="conformance.socles.eprescription.reference.part:EprescriptionPart",
    defects="conformance.socles.eprescription.reference.defects:DEFECTS",
    uses=("dmp", "mssante"),
)
