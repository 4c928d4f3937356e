"""Transport security: what the DUI must refuse when the operator it talks to is not trustworthy."""

from __future__ import annotations

import pytest

from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.messages import Text
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request
from conformance.socles.mssante.messages import M

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)

REFUSALS = [
    # variant, requirement, what the server does wrong
    ("rogue-ca", "MSS-TLS-05", M.text("variant.rogue-ca")),
    ("expired", "MSS-TLS-06", M.text("variant.expired")),
    ("revoked", "MSS-TLS-07", M.text("variant.revoked")),
    ("tls-legacy", "MSS-TLS-03", M.text("variant.tls-legacy")),
    ("weak-cipher", "MSS-TLS-04", M.text("variant.weak-cipher")),
    ("no-starttls", "MSS-TLS-01", M.text("variant.no-starttls")),
]


def _judge_refusal(sent: Sent, verify: Verifier, variant: str, rid: str, what: Text) -> None:
    sent.check_sessions(verify, variant=variant)
    verify.expect(
        rid,
        not sent.messages and sent.outcome.status != "ok",
        M.text("transport.not-refused", what=what, status=sent.outcome.status, count=len(sent.messages)),
        ok_text=M.text("transport.refused", what=what, detail=sent.outcome.detail[:120]),
        location="driver outcome + operator traffic",
        evidence={"outcome": sent.outcome.to_json(), "messages": len(sent.messages)},
    )


@pytest.mark.parametrize(
    ("variant", "rid", "what"),
    [pytest.param(*r, marks=pytest.mark.requirements(r[1]), id=r[0]) for r in REFUSALS],
)
def test_refuse_untrustworthy_operator(mss: MssHarness, verify: Verifier, variant: str, rid: str, what: Text) -> None:
    """Serveur non digne de confiance : le DUI refuse de transmettre"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], expect_traffic=False, variant=variant)
    _judge_refusal(sent, verify, variant, rid, what)


@pytest.mark.requirements("MSS-TLS-02", "MSS-AUTH-04")
def test_imap_starttls_before_authentication(mss: MssHarness, verify: Verifier) -> None:
    """Relève IMAP : STARTTLS avant toute authentification, certificat ORG présenté"""
    outcome, sessions = mss.receive()
    imap = [s for s in sessions if s.protocol == "imap"]
    verify.expect(
        "MSS-TLS-02",
        outcome.ok and bool(imap),
        M.text("transport.inbox-not-read", status=outcome.status, detail=outcome.detail),
        ok_text=M.text("transport.inbox-read"),
        location="driver outcome",
        evidence=outcome.to_json(),
    )
    Sent(outcome, [], imap).check_sessions(verify, variant="good")


@pytest.mark.requirements("MSS-CONF-02")
def test_operator_down_is_reported(mss: MssHarness, verify: Verifier) -> None:
    """Opérateur injoignable : erreur signalée, puis reprise normale"""
    down = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], expect_traffic=False, variant="down")
    verify.expect(
        "MSS-CONF-02",
        down.outcome.status == "error" and bool(down.outcome.detail),
        M.text("transport.down-not-reported", status=down.outcome.status, detail=down.outcome.detail),
        ok_text=M.text("transport.down-reported", detail=down.outcome.detail[:120]),
        location="driver outcome",
        evidence=down.outcome.to_json(),
    )
    again = mss.dui.act(Action("dui.audit_trail", {}))
    verify.expect(
        "MSS-CONF-02",
        again.status != "error" or "unsupported" in again.detail,
        M.text("transport.dead-after-failure", detail=again.detail),
        ok_text=M.text("transport.alive-after-failure"),
        location="driver outcome",
        evidence=again.to_json(),
    )
    back = mss.send("resident-qualified", [doc_request("cr")], ["doctor"])
    verify.expect(
        "MSS-CONF-02",
        back.outcome.ok and bool(back.messages),
        M.text("transport.not-resumed", status=back.outcome.status, detail=back.outcome.detail),
        ok_text=M.text("transport.resumed"),
        location="driver outcome",
        evidence=back.outcome.to_json(),
    )
