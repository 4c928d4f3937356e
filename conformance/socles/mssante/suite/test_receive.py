"""Receiving IHE_XDM messages: the DUI reads its BAL and integrates documents into the right record."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.model import Artifact, CheckContext
from conformance.socles.mssante import incoming
from conformance.socles.mssante.fixtures import MssHarness

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


@pytest.mark.requirements("MSS-RCV-01")
def test_integrate_by_metadata_patient_id(mss: MssHarness, verify: Verifier) -> None:
    """Réception : l'usager est identifié par le patientId de METADATA, non par l'objet"""
    patient = mss.patient("resident-second")
    msg = incoming.misleading_subject(patient, subject_person=mss.patient("resident-qualified"), to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    facts = {
        "message_id": msg.message_id,
        "patient": {"ins": patient["ins"], "record_id": patient["record_id"]},
        "integrated": outcome.data.get("integrated", []),
    }
    verify.observe("MSS-RCV-01", "receive.integrated", facts, "driver outcome: integrated")


@pytest.mark.requirements("MSS-RCV-01", "MSS-ACK-04", "MSS-ACK-05")
def test_reject_unknown_patient_with_mdn(mss: MssHarness, verify: Verifier) -> None:
    """Réception pour un usager inconnu : rejet (902) et accusé de traitement automatique en erreur"""
    msg = incoming.for_patient(mss.patient("unknown-patient"), to=mss.bal, ask_mdn=True)
    mss.deliver(msg.data)
    mark = mss.operator.mark()
    outcome, _ = mss.receive()
    facts = {
        "message_id": msg.message_id,
        "rejected": outcome.data.get("rejected", []),
        "integrated": outcome.data.get("integrated", []),
    }
    verify.observe("MSS-RCV-01", "receive.unknown-rejected", facts, "driver outcome: rejected")
    mdns = mss.operator.submissions_since(mark)
    verify.observe("MSS-ACK-04", "receive.mdn-sent", {"submissions": len(mdns)}, "operator traffic")
    for sub in mdns:
        verify.artifact(
            Artifact("email", sub.evidence.label, sub.data, meta={"evidence_ref": sub.evidence}),
            CheckContext(extra={"mdn_error_code": "902"}),
        )


@pytest.mark.requirements("MSS-RCV-02")
def test_tolerate_real_world_archive(mss: MssHarness, verify: Verifier) -> None:
    """Réception d'une archive avec entrées parasites et URI de casse différente : intégrée"""
    patient = mss.patient("resident-second")
    msg = incoming.with_junk_entries(patient, to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    facts = {"message_id": msg.message_id, "ins": patient["ins"], "integrated": outcome.data.get("integrated", [])}
    verify.observe("MSS-RCV-02", "receive.junk-integrated", facts, "driver outcome: integrated")


@pytest.mark.requirements("MSS-RCV-02")
def test_reject_archive_with_wrong_hash(mss: MssHarness, verify: Verifier) -> None:
    """Réception d'une archive dont le hash ne correspond pas : non intégrée"""
    msg = incoming.with_wrong_hash(mss.patient("resident-second"), to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    facts = {"message_id": msg.message_id, "status": outcome.status, "integrated": outcome.data.get("integrated", [])}
    verify.observe("MSS-RCV-02", "receive.wrong-hash", facts, "driver outcome: integrated")


@pytest.mark.requirements("MSS-RCV-03", "MSS-RCV-04")
def test_inbox_listing(mss: MssHarness, verify: Verifier) -> None:
    """Liste des messages : préfixe XDM/1.0/DDM+ masqué, messages d'usagers distingués avec nom et INS"""
    patient = mss.patient("resident-qualified")
    pro = incoming.for_patient(patient, to=mss.bal)
    from_patient = incoming.from_patient_address(patient, to=mss.bal)
    mss.deliver(pro.data)
    mss.deliver(from_patient.data)
    outcome, _ = mss.receive()
    inbox = outcome.data.get("inbox", [])
    verify.observe(
        "MSS-RCV-03", "receive.prefix-hidden", {"message_id": pro.message_id, "inbox": inbox}, "driver outcome: inbox"
    )
    usager = {"message_id": from_patient.message_id, "inbox": inbox, "ins": patient["ins"]}
    usager["birth_name"] = patient["birth_name"]
    verify.observe("MSS-RCV-04", "receive.usager-flagged", usager, "driver outcome: inbox")
    verify.observe(
        "MSS-RCV-04",
        "receive.professional-not-flagged",
        {"message_id": pro.message_id, "inbox": inbox},
        "driver outcome: inbox",
    )
