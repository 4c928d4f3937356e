"""Limits of the trust domain: message size, the liste blanche, traceability."""

from __future__ import annotations

import pytest

from conformance import identities
from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, doc_request


@pytest.mark.requirements("MSS-SIZE-01")
def test_size_limit_honoured(mss: MssHarness, verify: Verifier) -> None:
    """Message plus gros que la taille annoncée par l'opérateur : refusé avant l'envoi"""
    too_big = int(mss.settings["size_limit"]) + 1024
    sent = mss.send("resident-qualified", [doc_request("cr", extra_bytes=too_big)], ["doctor"], expect_traffic=False)
    sent.check_sessions(verify, variant="good", size_limit=mss.settings["size_limit"])
    verify.observe("MSS-SIZE-01", "limits.oversize", sent.facts(), "driver outcome")


@pytest.mark.requirements("MSS-NEG-01")
def test_refuse_outside_whitelist(mss: MssHarness, verify: Verifier) -> None:
    """Destinataire hors liste blanche MSSanté : documents de santé non envoyés"""
    sent = mss.send("resident-qualified", [doc_request("cr")], [identities.outside_address()], expect_traffic=False)
    sent.check_sessions(verify, variant="good")
    verify.observe("MSS-NEG-01", "limits.outside-whitelist", sent.facts(), "driver outcome + operator traffic")


@pytest.mark.requirements("MSS-TRC-01")
def test_audit_trail(mss: MssHarness, verify: Verifier) -> None:
    """Traçabilité : chaque opération sur la BAL est tracée (auteur, horodatage, action, requête)"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"])
    message_id = str(sent.outcome.data.get("message_id", ""))
    trail = mss.dui.act(Action("dui.audit_trail", {}))
    entries = trail.data.get("entries", []) if trail.ok else []
    facts = {"message_id": message_id, "entries": entries}
    verify.observe("MSS-TRC-01", "limits.audit-trail", facts, "driver outcome: audit trail")
