"""The DMP socle: feeding Mon espace santé (DMP) through IHE XDS.b ITI-41.

Pure checks (CDA, XDS metadata, SOAP/MTOM request, VIHF, DUI-vs-DMP answer) in `checks`, the mock
DMP (HTTPS + mutual TLS, SOAP 1.2/MTOM, RegistryResponse) in `service`, the builders the reference
DUI uses in `build`, and the scenarios in `suite` with their fixtures in `fixtures`.
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Socle

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="dmp",
    title_fr="Dossier Médical Partagé / Mon espace santé (DMP)",
    title_en="Shared medical record (DMP / Mon espace santé)",
    catalog=profiles_dir() / "dmp" / "requirements.toml",
    suite=_HERE / "suite",
    checks_module="conformance.socles.dmp.checks",
    fixtures_module="conformance.socles.dmp.fixtures",
)
