"""The DMP socle: feeding Mon espace santé (DMP) through IHE XDS.b ITI-41.

Pure checks (CDA, XDS metadata, SOAP/MTOM request, VIHF, DUI-vs-DMP answer) in `checks`, the mock
DMP (HTTPS + mutual TLS, SOAP 1.2/MTOM, RegistryResponse) in `service`, the builders the reference
DUI uses in `build`, and the scenarios in `suite` with their fixtures in `fixtures`.
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Kind, Option, Service, Socle
from conformance.socles.dmp.relay import RELAY

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="dmp",
    title_fr="Dossier Médical Partagé / Mon espace santé (DMP)",
    title_en="Shared medical record (DMP / Mon espace santé)",
    catalog=profiles_dir() / "dmp" / "requirements.toml",
    suite=_HERE / "suite",
    checks=tuple(
        f"conformance.socles.dmp.checks.{m}"
        for m in (
            "readers",
            "parts",
            "cda_header",
            "cda_participants",
            "cda_body",
            "cda_times",
            "consistency",
            "dlu",
            "ins_rules",
            "cda_schema",
            "schematron_pack",
            "xds_metadata",
            "xds_entries",
            "xds_lot",
            "xds_codes",
            "coherence",
            "xades",
            "soap",
            "vihf",
            "consult",
            "session",
            "outcome",
            "client_cert",
        )
    )
    + ("conformance.socles.dmp.observations",),
    identity="conformance.socles.dmp.identity:observed",
    fixtures="conformance.socles.dmp.fixtures",
    kinds=(
        Kind(
            "dmp-consult",
            "DMP search or retrieval request (ITI-18, ITI-43)",
            "requête de recherche ou de consultation du DMP (ITI-18, ITI-43)",
            sniff="conformance.socles.dmp.kinds:is_consult",
            order=40,
        ),
    ),
    options=(
        Option(
            "schematron-pack",
            "clone of ansforge/TestContenuCDA-3-0: CDA documents also go through the schematron of their volet "
            "(DMP-C03); default $CONFORMANCE_SCHEMATRON_PACK",
            kind="dir",
            envvar="CONFORMANCE_SCHEMATRON_PACK",
            commands=("run", "validate"),
            metavar="DIR",
        ),
        Option(
            "schematron",
            "which pack schematrons (repeatable): auto (the volet's, by templateId; default), profiles, all, or a "
            "name such as CI-SIS_DLU-EHPAD-DLU_2022.01 or IHE",
            multiple=True,
            commands=("validate",),
            metavar="NAME",
        ),
    ),
    configure="conformance.socles.dmp.options:configure",
    services=(
        Service(
            "dmp",
            "Mock DMP: ITI-41, ITI-18, ITI-43 in SOAP 1.2/MTOM and TD0.2, mutual TLS",
            "conformance.socles.dmp.service.standalone:run_standalone",
            ports={"https": 10443},  # fixed default, documented (README, docs/connection-kit.md)
            describe="conformance.socles.dmp.service.standalone:describe",
            judge=("dmp-request",),
        ),
    ),
    manual="conformance.socles.dmp.reference.prompts:PROMPTS",
    reference="conformance.socles.dmp.reference.part:DmpPart",
    defects="conformance.socles.dmp.reference.defects:DEFECTS",
    relay=RELAY,
    captures="conformance.socles.dmp.relay.captures:read",
)
