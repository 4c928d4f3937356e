"""The MSSanté socle's public API: what other socles (cross-socle scenarios and checks) may use.

Anything not exported here is private to the socle and may change without notice.
"""

from __future__ import annotations

from typing import Any

from conformance import identities
from conformance.drivers.base import Action
from conformance.model import CheckContext
from conformance.socles.mssante.build.inputs import PATIENT_DOMAIN
from conformance.socles.mssante.checks.emailview import EmailView, email_view
from conformance.socles.mssante.checks.xdmview import DocEntry
from conformance.socles.mssante.fixtures import NIL, Sent, message_artifact


def patient_address(patient: dict[str, Any]) -> str:
    """The usager's Mon espace santé messaging address, built from the INS."""
    return f"{patient['ins']}@{PATIENT_DOMAIN}"


def sent_to_patient(mss: Any, action: Action, patient: dict[str, Any], *, expect_traffic: bool, **extra: Any) -> Sent:
    """Ask the DUI for `action` (a verb of another socle that writes to the patient, e.g. sharing an
    ordonnance) and collect what the operator accepted, in the context the MSSanté suite judges a message
    to `patient` with (`extra` goes to `ctx.extra`). `mss` is the MSSanté suite's `mss` fixture."""
    ctx = CheckContext(
        expected_nil=NIL,
        sender_bal_type=mss.settings["bal"]["type"],
        to_patient=True,
        patient=patient,
        whitelist=tuple(identities.whitelist()),
        extra=extra,
    )
    sent: Sent = mss.act_and_capture(action, expect_traffic=expect_traffic, ctx=ctx)
    return sent


__all__ = [
    "NIL",
    "PATIENT_DOMAIN",
    "DocEntry",
    "EmailView",
    "Sent",
    "email_view",
    "message_artifact",
    "patient_address",
    "sent_to_patient",
]
