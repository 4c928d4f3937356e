"""The MSSanté socle: secure health e-mail through an operator's SMTP submission and IMAP."""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Socle

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="mssante",
    title_fr="Messagerie sécurisée de santé (MSSanté)",
    title_en="Secure health messaging (MSSanté)",
    catalog=profiles_dir() / "mssante" / "requirements.toml",
    suite=_HERE / "suite",
    checks_module="conformance.socles.mssante.checks",
    fixtures_module="conformance.socles.mssante.fixtures",
)
