"""Receiving IHE_XDM messages: the DUI reads its BAL and integrates documents into the right record."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.engine.verifier import Verifier
from conformance.model import Artifact, CheckContext
from conformance.socles.mssante import incoming
from conformance.socles.mssante.fixtures import MssHarness


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
        f"message {msg.message_id} not integrated into record {patient['record_id']} "
        f"(INS {patient['ins']}): DUI reported {done}",
        f"message {msg.message_id} non intégré au dossier {patient['record_id']} : le DUI indique {done}",
        en_ok=f"integrated into record {patient['record_id']} from METADATA patientId",
        fr_ok=f"intégré au dossier {patient['record_id']} d'après le patientId de METADATA",
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
        f"a message for an unknown usager was not rejected (integrated: {integrated})",
        "un message pour un usager inconnu n'a pas été rejeté",
        en_ok=f"rejected with code {rejected.get('code') if rejected else '?'}",
        fr_ok="rejeté",
        location="driver outcome: rejected",
        evidence=outcome.to_json(),
    )
    mdns = mss.operator.submissions_since(mark)
    verify.expect(
        "MSS-ACK-04",
        bool(mdns),
        "no MDN was sent although the message asked one",
        "aucun accusé n'a été envoyé alors que le message le demandait",
        en_ok="an MDN was sent",
        fr_ok="un accusé a été envoyé",
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
        "an archive with __MACOSX/.DS_Store entries and a URI case difference was not integrated",
        "une archive avec entrées __MACOSX/.DS_Store et casse d'URI différente n'a pas été intégrée",
        en_ok="tolerated and integrated",
        fr_ok="tolérée et intégrée",
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
        "a document whose SHA-1 differs from METADATA hash was integrated",
        "un document dont le SHA-1 diffère du hash de METADATA a été intégré",
        en_ok="document with a wrong hash refused",
        fr_ok="document au hash erroné refusé",
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
        f"message list shows {shown.get('displayed_subject') if shown else 'nothing'!r}",
        "la liste des messages affiche le préfixe technique ou rien",
        en_ok=f"shown as {shown.get('displayed_subject') if shown else ''!r}",
        fr_ok="préfixe masqué",
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
        f"message from the usager's address not distinguished with name and INS: {mes}",
        "message de l'usager non distingué avec nom et INS",
        en_ok="usager message flagged with name and INS",
        fr_ok="message d'usager distingué (nom, INS)",
        location="driver outcome: inbox",
        evidence=outcome.to_json(),
    )
    pro_entry = shown or {}
    verify.expect(
        "MSS-RCV-04",
        pro_entry.get("from_patient") is False,
        "a professional's message is flagged as coming from an usager",
        "un message de professionnel est présenté comme venant d'un usager",
        en_ok="professional message not flagged",
        fr_ok="message de professionnel non marqué",
        location="driver outcome: inbox",
        evidence=outcome.to_json(),
    )
