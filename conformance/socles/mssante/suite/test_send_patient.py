"""Sending to the usager's own address on Mon espace santé (<INS>@patient.mssante.fr)."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request


def _nothing_sent(mss: MssHarness, sent: Sent, verify: Verifier, rid: str, why: str) -> None:
    facts = {**sent.facts(), "why": why}
    verify.observe(rid, "to-usager.nothing-sent", facts, "driver outcome + operator traffic")


@pytest.mark.requirements("MSS-PAT-01", "MSS-PAT-02", "MSS-DOC-06")
def test_send_to_patient_address(mss: MssHarness, verify: Verifier) -> None:
    """Envoi à l'usager : adresse construite depuis l'INS qualifié, sans blocage de réponse"""
    mss.send("resident-qualified", [doc_request("cr")], to_patient=True).check(verify)


@pytest.mark.requirements("MSS-PAT-02")
def test_send_to_patient_blocking_reply(mss: MssHarness, verify: Verifier) -> None:
    """Envoi à l'usager avec « bloquer la réponse » : X-MSS-MES: FIN"""
    mss.send("resident-qualified", [doc_request("cr")], to_patient=True, block_reply=True).check(verify)


@pytest.mark.requirements("MSS-PAT-02")
def test_no_mes_header_to_professionals(mss: MssHarness, verify: Verifier) -> None:
    """Envoi à un professionnel avec « bloquer la réponse » demandé : pas d'en-tête X-MSS-MES"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], block_reply=True)
    sent.ctx.block_reply = False  # the header is reserved to usager addresses whatever the user ticked
    sent.check(verify)


@pytest.mark.requirements("MSS-PAT-01")
def test_refuse_patient_without_qualified_ins(mss: MssHarness, verify: Verifier) -> None:
    """Envoi à l'usager sans INS qualifié : refusé, rien n'est émis"""
    sent = mss.send("resident-unqualified", [doc_request("cr")], to_patient=True, expect_traffic=False)
    _nothing_sent(
        mss,
        sent,
        verify,
        "MSS-PAT-01",
        "to-usager.unqualified",
    )


@pytest.mark.requirements("MSS-PAT-03")
def test_never_send_invisible_document(mss: MssHarness, verify: Verifier) -> None:
    """Document masqué au patient : jamais envoyé à l'adresse de l'usager"""
    sent = mss.send(
        "resident-qualified",
        [doc_request("cr", invisible_patient=True)],
        to_patient=True,
        expect_traffic=False,
    )
    _nothing_sent(
        mss,
        sent,
        verify,
        "MSS-PAT-03",
        "to-usager.invisible",
    )


@pytest.mark.requirements("MSS-PAT-04")
def test_patient_opposition_enforced(mss: MssHarness, verify: Verifier) -> None:
    """Opposition de l'usager à l'envoi MSSanté : respectée"""
    sent = mss.send("resident-opposition", [doc_request("cr")], to_patient=True, expect_traffic=False)
    _nothing_sent(
        mss,
        sent,
        verify,
        "MSS-PAT-04",
        "to-usager.opposition",
    )
