"""The reference DUI's memory: patient base lookups and the correlation of receipts with sent messages."""

from __future__ import annotations

import pytest

from conformance import identities
from conformance.socles.mssante.reference.records import DuiState, SentRecord

DATE = "Mon, 23 Nov 2026 16:36:12 +0000"


def _state() -> DuiState:
    state = DuiState("dui-app@ehpad-essai.mssante.fr", identities.patients())
    state.remember_sent(SentRecord("<a@x>", "env-a", "XDM/1.0/DDM+CR", DATE, ["dr@test-ci-sis.mssante.fr"]))
    state.remember_sent(SentRecord("<b@x>", None, "XDM/1.0/DDM+CR", DATE, ["dr@test-ci-sis.mssante.fr"]))
    state.remember_sent(SentRecord("<c@x>", None, "XDM/1.0/DDM+CR", DATE, ["other@ch-essai.mssante.fr"]))
    return state


def test_patient_base_holds_only_the_establishments_usagers() -> None:
    base = _state().base
    assert base.by_ins("238047505612394", "1.2.250.1.213.1.4.10") is not None
    assert base.by_ins("152064410907744") is None  # unknown-patient: in_dui false
    found = base.by_name("martin-essai", "JEANNE")
    assert found is not None and found.record_id == "EHPAD-0001"
    other = base.other_than(found)
    assert other is not None and other.ins != found.ins and other.qualified


@pytest.mark.requirements("MSS-ACK-03")
def test_receipt_correlation_order() -> None:
    state = _state()
    by_id = state.sent_for(message_id="<b@x>", envid="env-a")
    by_envid = state.sent_for(message_id="<unknown@x>", envid="env-a")
    assert by_id is not None and by_id.message_id == "<b@x>"
    assert by_envid is not None and by_envid.message_id == "<a@x>"
    returned = {"Subject": "XDM/1.0/DDM+CR", "Date": DATE}
    latest = state.sent_for(returned=returned, recipient="DR@test-ci-sis.mssante.fr")
    assert latest is not None and latest.message_id == "<b@x>"  # same second: the most recent one
    other = state.sent_for(returned=returned, recipient="other@ch-essai.mssante.fr")
    assert other is not None and other.message_id == "<c@x>"
    assert state.sent_for(returned={"Subject": "x", "Date": DATE}) is None
    assert state.sent_for() is None
