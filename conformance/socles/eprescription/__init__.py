"""The e-prescription socle: FHIR content of an ordonnance numérique (ANS ePrescription IG + FR Core).

The CNAM téléservice contract is not public; this socle checks the FHIR content a DUI produces and
its workflow (registration, printed ordonnance, cancellation, refusals) against a documented stand-in
service (docs/eprescription-contract.md).
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Socle

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="eprescription",
    title_fr="Ordonnance numérique (e-prescription)",
    title_en="E-prescription (ordonnance numérique)",
    catalog=profiles_dir() / "eprescription" / "requirements.toml",
    suite=_HERE / "suite",
    checks_module="conformance.socles.eprescription.checks",
    fixtures_module="conformance.socles.eprescription.fixtures",
)
