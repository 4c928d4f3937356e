"""Transport security: what the DUI must refuse when the operator it talks to is not trustworthy."""

from __future__ import annotations

import pytest

from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request

REFUSALS = [
    # variant (what the server does wrong: its wording is the judge's), requirement
    ("rogue-ca", "MSS-TLS-05"),
    ("expired", "MSS-TLS-06"),
    ("revoked", "MSS-TLS-07"),
    ("tls-legacy", "MSS-TLS-03"),
    ("weak-cipher", "MSS-TLS-04"),
    ("no-starttls", "MSS-TLS-01"),
]


@pytest.mark.parametrize(
    ("variant", "rid"),
    [pytest.param(*r, marks=pytest.mark.requirements(r[1]), id=r[0]) for r in REFUSALS],
)
def test_refuse_untrustworthy_operator(mss: MssHarness, verify: Verifier, variant: str, rid: str) -> None:
    """Serveur non digne de confiance : le DUI refuse de transmettre"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], expect_traffic=False, variant=variant)
    sent.check_sessions(verify, variant=variant)
    facts = {**sent.facts(), "variant": variant}
    verify.observe(rid, "transport.refused", facts, "driver outcome + operator traffic")


@pytest.mark.requirements("MSS-TLS-02", "MSS-AUTH-04")
def test_imap_starttls_before_authentication(mss: MssHarness, verify: Verifier) -> None:
    """Relève IMAP : STARTTLS avant toute authentification, certificat ORG présenté"""
    outcome, sessions = mss.receive()
    imap = [s for s in sessions if s.protocol == "imap"]
    facts = {"status": outcome.status, "detail": outcome.detail, "imap_sessions": len(imap)}
    verify.observe("MSS-TLS-02", "transport.inbox-read", facts, "driver outcome")
    Sent(outcome, [], imap).check_sessions(verify, variant="good")


@pytest.mark.requirements("MSS-CONF-02")
def test_operator_down_is_reported(mss: MssHarness, verify: Verifier) -> None:
    """Opérateur injoignable : erreur signalée, puis reprise normale"""
    down = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], expect_traffic=False, variant="down")
    verify.observe("MSS-CONF-02", "transport.down-reported", down.facts(), "driver outcome")
    again = mss.dui.act(Action("dui.audit_trail", {}))
    facts = {"status": again.status, "detail": again.detail}
    verify.observe("MSS-CONF-02", "transport.alive-after-failure", facts, "driver outcome")
    back = mss.send("resident-qualified", [doc_request("cr")], ["doctor"])
    verify.observe("MSS-CONF-02", "transport.resumed", back.facts(), "driver outcome")
