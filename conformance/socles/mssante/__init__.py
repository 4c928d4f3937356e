"""The MSSanté socle: secure health e-mail through an operator's SMTP submission and IMAP."""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Service, Socle
from conformance.socles.mssante.relay import RELAY

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="mssante",
    title_fr="Messagerie sécurisée de santé (MSSanté)",
    title_en="Secure health messaging (MSSanté)",
    catalog=profiles_dir() / "mssante" / "requirements.toml",
    suite=_HERE / "suite",
    checks=tuple(
        f"conformance.socles.mssante.checks.{m}"
        for m in ("readers", "parts", "acks", "documents", "message", "patient", "pdf", "xdm", "session")
    )
    + ("conformance.socles.mssante.observations",),
    identity="conformance.socles.mssante.identity:observed",
    fixtures="conformance.socles.mssante.fixtures",
    services=(
        Service(
            "operator",
            "Mock MSSanté operator: SMTP submission and IMAP, STARTTLS, mutual TLS",
            "conformance.socles.mssante.service.standalone:run_standalone",
            ports={"smtp": 10587, "imap": 10143},  # fixed defaults, documented (README, docs/connection-kit.md)
            describe="conformance.socles.mssante.service.standalone:describe",
            judge=("message",),
        ),
    ),
    manual="conformance.socles.mssante.reference.prompts:PROMPTS",
    reference="conformance.socles.mssante.reference.part:MssantePart",
    defects="conformance.socles.mssante.reference.defects:DEFECTS",
    relay=RELAY,
    captures="conformance.socles.mssante.relay.captures:read",
)
