"""The usager's own MSSanté address on Mon espace santé: `<INS matricule>@patient.mssante.fr`.

One definition for the builders (the reference DUI writes such addresses), the checks (MSS-PAT-01
and -02 recognise them) and the public API (cross-socle scenarios send to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PATIENT_DOMAIN = "patient.mssante.fr"


def patient_address(patient: Mapping[str, Any]) -> str:
    """The usager's Mon espace santé messaging address, built from the INS (ECO.2.2.6)."""
    return f"{patient['ins']}@{PATIENT_DOMAIN}"


def is_patient_address(address: str) -> bool:
    return address.rsplit("@", 1)[-1].lower() == PATIENT_DOMAIN
