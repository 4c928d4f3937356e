"""The MSSanté socle's public API: what other socles (cross-socle scenarios and checks) may use.

Anything not exported here is private to the socle and may change without notice.
"""

from __future__ import annotations

from typing import Any

from conformance.socles.mssante.build.inputs import PATIENT_DOMAIN
from conformance.socles.mssante.checks.emailview import EmailView, email_view
from conformance.socles.mssante.checks.xdmview import DocEntry
from conformance.socles.mssante.fixtures import NIL, Sent, message_artifact


def patient_address(patient: dict[str, Any]) -> str:
    """The usager's Mon espace santé messaging address, built from the INS."""
    return f"{patient['ins']}@{PATIENT_DOMAIN}"


__all__ = [
    "NIL",
    "PATIENT_DOMAIN",
    "DocEntry",
    "EmailView",
    "Sent",
    "email_view",
    "message_artifact",
    "patient_address",
]
