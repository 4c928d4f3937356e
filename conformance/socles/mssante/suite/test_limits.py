"""Limits of the trust domain: message size, the liste blanche, traceability."""

from __future__ import annotations

import pytest

from conformance import identities
from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, doc_request
from conformance.socles.mssante.messages import M

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


@pytest.mark.requirements("MSS-SIZE-01")
def test_size_limit_honoured(mss: MssHarness, verify: Verifier) -> None:
    """Message plus gros que la taille annoncée par l'opérateur : refusé avant l'envoi"""
    too_big = int(mss.settings["size_limit"]) + 1024
    sent = mss.send("resident-qualified", [doc_request("cr", extra_bytes=too_big)], ["doctor"], expect_traffic=False)
    sent.check_sessions(verify, variant="good", size_limit=mss.settings["size_limit"])
    verify.expect(
        "MSS-SIZE-01",
        sent.outcome.status in ("refused", "error") and not sent.messages,
        M.text("limits.oversize-accepted", status=sent.outcome.status),
        ok_text=M.text("limits.oversize-refused", detail=sent.outcome.detail[:120]),
        location="driver outcome",
        evidence=sent.outcome.to_json(),
    )


@pytest.mark.requirements("MSS-NEG-01")
def test_refuse_outside_whitelist(mss: MssHarness, verify: Verifier) -> None:
    """Destinataire hors liste blanche MSSanté : documents de santé non envoyés"""
    sent = mss.send("resident-qualified", [doc_request("cr")], [identities.outside_address()], expect_traffic=False)
    sent.check_sessions(verify, variant="good")
    verify.expect(
        "MSS-NEG-01",
        sent.outcome.status != "ok" and not sent.messages,
        M.text("limits.outside-whitelist-sent", status=sent.outcome.status),
        ok_text=M.text("limits.outside-whitelist-refused"),
        location="driver outcome + operator traffic",
        evidence=sent.outcome.to_json(),
    )


@pytest.mark.requirements("MSS-TRC-01")
def test_audit_trail(mss: MssHarness, verify: Verifier) -> None:
    """Traçabilité : chaque opération sur la BAL est tracée (auteur, horodatage, action, requête)"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"])
    message_id = str(sent.outcome.data.get("message_id", ""))
    trail = mss.dui.act(Action("dui.audit_trail", {}))
    entries = trail.data.get("entries", []) if trail.ok else []
    mine = [e for e in entries if e.get("message_id") == message_id]
    complete = [e for e in mine if all(str(e.get(k, "")).strip() for k in ("time", "author", "action", "request"))]
    verify.expect(
        "MSS-TRC-01",
        bool(message_id) and bool(complete),
        M.text("limits.no-trace", message_id=message_id or "(no message)", entries=mine),
        ok_text=M.text("limits.traced", message_id=message_id, entry=complete[0] if complete else ""),
        location="driver outcome: audit trail",
        evidence=trail.to_json(),
    )
