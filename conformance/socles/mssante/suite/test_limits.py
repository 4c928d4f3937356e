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
    verify.expect(
        "MSS-SIZE-01",
        sent.outcome.status in ("refused", "error") and not sent.messages,
        f"oversize message: the DUI answered {sent.outcome.status} (no error shown to the user)",
        f"message trop gros : le DUI a répondu {sent.outcome.status} sans signaler d'erreur",
        en_ok=f"oversize message refused: {sent.outcome.detail[:120]}",
        fr_ok="message trop gros refusé",
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
        f"health documents addressed outside the liste blanche: the DUI answered {sent.outcome.status}",
        f"documents de santé adressés hors liste blanche : le DUI a répondu {sent.outcome.status}",
        en_ok="refused: recipient outside the liste blanche",
        fr_ok="refusé : destinataire hors liste blanche",
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
        f"no complete trace (time, author, action, request) of sending {message_id or '(no message)'}: {mine}",
        f"aucune trace complète (horodatage, auteur, action, requête) de l'envoi {message_id}",
        en_ok=f"sending {message_id} traced: {complete[0] if complete else ''}",
        fr_ok="envoi tracé avec auteur, horodatage, action et requête",
        location="driver outcome: audit trail",
        evidence=trail.to_json(),
    )
