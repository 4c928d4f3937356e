"""Receiving IHE_XDM messages: the DUI reads its BAL and integrates documents into the right record."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.engine.verifier import Verifier
from conformance.model import Artifact, CheckContext
from conformance.socles.mssante import incoming
from conformance.socles.mssante.fixtures import MssHarness
from conformance.socles.mssante.messages import M

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


def _entry(items: list[dict[str, Any]], message_id: str) -> dict[str, Any]:
    """The DUI's report about one message ({} when it says nothing about it)."""
    return next((i for i in items if i.get("message_id") == message_id), {})


@pytest.mark.requirements("MSS-RCV-01")
def test_integrate_by_metadata_patient_id(mss: MssHarness, verify: Verifier) -> None:
    """Réception : l'usager est identifié par le patientId de METADATA, non par l'objet"""
    patient = mss.patient("resident-second")
    msg = incoming.misleading_subject(patient, subject_person=mss.patient("resident-qualified"), to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    done = _entry(outcome.data.get("integrated", []), msg.message_id)
    verify.expect(
        "MSS-RCV-01",
        bool(done) and done.get("patient_ins") == patient["ins"] and done.get("record_id") == patient["record_id"],
        M.text(
            "receive.not-integrated",
            message_id=msg.message_id,
            record=patient["record_id"],
            ins=patient["ins"],
            reported=done,
        ),
        ok_text=M.text("receive.integrated", record=patient["record_id"]),
        location="driver outcome: integrated",
        evidence=outcome.to_json(),
    )


@pytest.mark.requirements("MSS-RCV-01", "MSS-ACK-04", "MSS-ACK-05")
def test_reject_unknown_patient_with_mdn(mss: MssHarness, verify: Verifier) -> None:
    """Réception pour un usager inconnu : rejet (902) et accusé de traitement automatique en erreur"""
    msg = incoming.for_patient(mss.patient("unknown-patient"), to=mss.bal, ask_mdn=True)
    mss.deliver(msg.data)
    mark = mss.operator.mark()
    outcome, _ = mss.receive()
    rejected = _entry(outcome.data.get("rejected", []), msg.message_id)
    integrated = _entry(outcome.data.get("integrated", []), msg.message_id)
    verify.expect(
        "MSS-RCV-01",
        bool(rejected) and not integrated,
        M.text("receive.unknown-not-rejected", integrated=integrated),
        ok_text=M.text("receive.unknown-rejected", code=rejected.get("code") if rejected else "?"),
        location="driver outcome: rejected",
        evidence=outcome.to_json(),
    )
    mdns = mss.operator.submissions_since(mark)
    verify.expect(
        "MSS-ACK-04",
        bool(mdns),
        M.text("receive.no-mdn"),
        ok_text=M.text("receive.mdn-sent"),
        location="operator traffic",
        evidence={"submissions": len(mdns)},
    )
    for sub in mdns:
        verify.artifact(
            Artifact("email", sub.evidence.path, sub.data, meta={"evidence_ref": sub.evidence}),
            CheckContext(extra={"mdn_error_code": "902"}),
        )


@pytest.mark.requirements("MSS-RCV-02")
def test_tolerate_real_world_archive(mss: MssHarness, verify: Verifier) -> None:
    """Réception d'une archive avec entrées parasites et URI de casse différente : intégrée"""
    patient = mss.patient("resident-second")
    msg = incoming.with_junk_entries(patient, to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    done = _entry(outcome.data.get("integrated", []), msg.message_id)
    verify.expect(
        "MSS-RCV-02",
        bool(done) and done.get("patient_ins") == patient["ins"],
        M.text("receive.junk-not-integrated"),
        ok_text=M.text("receive.junk-integrated"),
        location="driver outcome: integrated",
        evidence=outcome.to_json(),
    )


@pytest.mark.requirements("MSS-RCV-02")
def test_reject_archive_with_wrong_hash(mss: MssHarness, verify: Verifier) -> None:
    """Réception d'une archive dont le hash ne correspond pas : non intégrée"""
    msg = incoming.with_wrong_hash(mss.patient("resident-second"), to=mss.bal)
    mss.deliver(msg.data)
    outcome, _ = mss.receive()
    integrated = _entry(outcome.data.get("integrated", []), msg.message_id)
    verify.expect(
        "MSS-RCV-02",
        not integrated and outcome.ok,
        M.text("receive.wrong-hash-integrated"),
        ok_text=M.text("receive.wrong-hash-refused"),
        location="driver outcome: integrated",
        evidence=outcome.to_json(),
    )


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
    shown = _entry(inbox, pro.message_id)
    verify.expect(
        "MSS-RCV-03",
        bool(shown)
        and "XDM/1.0/DDM" not in str(shown.get("displayed_subject"))
        and bool(str(shown.get("displayed_subject", "")).strip()),
        M.text("receive.prefix-shown", shown=shown.get("displayed_subject") if shown else "nothing"),
        ok_text=M.text("receive.prefix-hidden", shown=shown.get("displayed_subject") if shown else ""),
        location="driver outcome: inbox",
        evidence=outcome.to_json(),
    )
    mes = _entry(inbox, from_patient.message_id)
    verify.expect(
        "MSS-RCV-04",
        bool(mes)
        and mes.get("from_patient") is True
        and mes.get("patient_ins") == patient["ins"]
        and patient["birth_name"].upper() in str(mes.get("patient_name", "")).upper(),
        M.text("receive.usager-not-flagged", entry=mes),
        ok_text=M.text("receive.usager-flagged"),
        location="driver outcome: inbox",
        evidence=outcome.to_json(),
    )
    pro_entry = shown or {}
    verify.expect(
        "MSS-RCV-04",
        pro_entry.get("from_patient") is False,
        M.text("receive.professional-flagged"),
        ok_text=M.text("receive.professional-not-flagged"),
        location="driver outcome: inbox",
        evidence=outcome.to_json(),
    )
