"""Delivery and read receipts (DSN, MDN) and replies."""

from __future__ import annotations

import pytest

from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.model import CheckContext
from conformance.socles.mssante import incoming
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request, message_artifact


@pytest.mark.requirements("MSS-ACK-01")
def test_delivery_receipt_requested(mss: MssHarness, verify: Verifier) -> None:
    """Accusé de réception demandé : DSN ESMTP NOTIFY=SUCCESS,FAILURE"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], delivery_receipt=True)
    if not sent.messages:
        sent.check(verify)
        return
    sent.check_sessions(verify, variant="good", delivery_receipt=True)


@pytest.mark.requirements("MSS-ACK-02")
def test_read_receipt_requested(mss: MssHarness, verify: Verifier) -> None:
    """Accusé de lecture demandé : Disposition-Notification-To vers la BAL émettrice"""
    mss.send("resident-qualified", [doc_request("cr")], ["doctor"], read_receipt=True).check(verify)


@pytest.mark.requirements("MSS-ACK-03")
def test_receipts_correlated(mss: MssHarness, verify: Verifier) -> None:
    """Accusés reçus (DSN de l'opérateur, MDN du destinataire) rattachés au message émis"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], delivery_receipt=True, read_receipt=True)
    message_id = str(sent.outcome.data.get("message_id", ""))
    if not sent.messages or not message_id:
        sent.check(verify)
        return
    mss.deliver(incoming.read_receipt(sent.messages[0].data, reader=mss.address("doctor")))
    outcome, _ = mss.receive()
    facts = {"message_id": message_id, "receipts": outcome.data.get("receipts", [])}
    verify.observe("MSS-ACK-03", "receipts.correlated", facts, "driver outcome: receipts")


@pytest.mark.requirements("MSS-ACK-04")
def test_send_mdn_when_asked(mss: MssHarness, verify: Verifier) -> None:
    """Message reçu demandant un accusé de lecture : le DUI renvoie un MDN conforme"""
    msg = incoming.for_patient(mss.patient("resident-second"), to=mss.bal, ask_mdn=True)
    mss.deliver(msg.data)
    received, _ = mss.receive()
    sent = mss.act_and_capture(Action("mssante.send_mdn", {"message_id": msg.message_id, "disposition": "displayed"}))
    if not sent.messages:
        sent.check(verify)
        return
    for sub in sent.messages:
        verify.artifact(message_artifact(sub), CheckContext(extra={"original_message_id": msg.message_id}))


@pytest.mark.requirements("MSS-MSG-02")
def test_reply_threading(mss: MssHarness, verify: Verifier) -> None:
    """Réponse à un message reçu : In-Reply-To et References"""
    msg = incoming.for_patient(mss.patient("resident-second"), to=mss.bal)
    mss.deliver(msg.data)
    mss.receive()
    sent: Sent = mss.act_and_capture(
        Action("mssante.reply", {"message_id": msg.message_id, "body": "Bien reçu, merci.\n"})
    )
    sent.ctx = CheckContext(is_reply_to=msg.message_id)
    sent.check(verify)
