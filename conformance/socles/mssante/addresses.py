"""The usager's own MSSanté address on Mon espace santé: `<INS matricule>@patient.mssante.fr`.

One definition for the builders (the reference DUI writes such addresses), the checks (MSS-PAT-01
and -02 recognise them) and the public API (cross-socle scenarios send to them, see api.py).
"""

from __future__ import annotations

PATIENT_DOMAIN = "patient.mssante.fr"


def is_patient_address(address: str) -> bool:
    return address.rsplit("@", 1)[-1].lower() == PATIENT_DOMAIN
