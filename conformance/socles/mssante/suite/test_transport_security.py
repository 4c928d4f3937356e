"""Transport security: what the DUI must refuse when the operator it talks to is not trustworthy."""

from __future__ import annotations

import pytest

from conformance.drivers.base import Action
from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request

REFUSALS = [
    # variant, requirement, what the server does wrong (en, fr)
    (
        "rogue-ca",
        "MSS-TLS-05",
        "a certificate from a CA outside IGC-Santé",
        "un certificat d'une AC hors IGC-Santé",
    ),
    ("expired", "MSS-TLS-06", "an expired certificate", "un certificat expiré"),
    ("revoked", "MSS-TLS-07", "a revoked certificate", "un certificat révoqué"),
    ("tls-legacy", "MSS-TLS-03", "TLS 1.0/1.1 only", "uniquement TLS 1.0/1.1"),
    (
        "weak-cipher",
        "MSS-TLS-04",
        "a non forward-secret CBC cipher suite",
        "une suite CBC sans confidentialité persistante",
    ),
    ("no-starttls", "MSS-TLS-01", "no STARTTLS", "pas de STARTTLS"),
]


def _judge_refusal(sent: Sent, verify: Verifier, variant: str, rid: str, en: str, fr: str) -> None:
    sent.check_sessions(verify, variant=variant)
    verify.expect(
        rid,
        not sent.messages and sent.outcome.status != "ok",
        f"server with {en}: the DUI answered {sent.outcome.status} and {len(sent.messages)} message(s) "
        "reached the operator",
        f"serveur présentant {fr} : le DUI a répondu {sent.outcome.status} et {len(sent.messages)} "
        "message(s) ont atteint l'opérateur",
        en_ok=f"server with {en}: connection abandoned, error shown ({sent.outcome.detail[:120]})",
        fr_ok=f"serveur présentant {fr} : connexion abandonnée, erreur signalée",
        location="driver outcome + operator traffic",
        evidence={"outcome": sent.outcome.to_json(), "messages": len(sent.messages)},
    )


@pytest.mark.parametrize(
    ("variant", "rid", "en", "fr"),
    [pytest.param(*r, marks=pytest.mark.requirements(r[1]), id=r[0]) for r in REFUSALS],
)
def test_refuse_untrustworthy_operator(
    mss: MssHarness, verify: Verifier, variant: str, rid: str, en: str, fr: str
) -> None:
    """Serveur non digne de confiance : le DUI refuse de transmettre"""
    sent = mss.send("resident-qualified", [doc_request("cr")], ["doctor"], expect_traffic=False, variant=variant)
    _judge_refusal(sent, verify, variant, rid, en, fr)


@pytest.mark.requirements("MSS-TLS-02", "MSS-AUTH-04")
def test_imap_starttls_before_authentication(mss: MssHarness, verify: Verifier) -> None:
    """Relève IMAP : STARTTLS avant toute authentification, certificat ORG présenté"""
    outcome, sessions = mss.receive()
    imap = [s for s in sessions if s.protocol == "imap"]
    verify.expect(
        "MSS-TLS-02",
        outcome.ok and bool(imap),
        f"the DUI did not read its mailbox (answer {outcome.status}: {outcome.detail})",
        f"le DUI n'a pas relevé sa boîte (réponse {outcome.status} : {outcome.detail})",
        en_ok="the DUI read its mailbox by IMAP",
        fr_ok="le DUI a relevé sa boîte par IMAP",
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
        f"operator down: the DUI answered {down.outcome.status!r} ({down.outcome.detail!r}) instead of "
        "reporting an error",
        f"opérateur injoignable : le DUI a répondu {down.outcome.status!r} au lieu de signaler une erreur",
        en_ok=f"operator down: error reported ({down.outcome.detail[:120]})",
        fr_ok="opérateur injoignable : erreur signalée",
        location="driver outcome",
        evidence=down.outcome.to_json(),
    )
    again = mss.dui.act(Action("dui.audit_trail", {}))
    verify.expect(
        "MSS-CONF-02",
        again.status != "error" or "unsupported" in again.detail,
        f"after the failure the DUI no longer answers ({again.detail})",
        "après l'échec le DUI ne répond plus",
        en_ok="the DUI keeps working after the failure",
        fr_ok="le DUI reste utilisable après l'échec",
        location="driver outcome",
        evidence=again.to_json(),
    )
    back = mss.send("resident-qualified", [doc_request("cr")], ["doctor"])
    verify.expect(
        "MSS-CONF-02",
        back.outcome.ok and bool(back.messages),
        f"operator back: the DUI could not send again ({back.outcome.status}: {back.outcome.detail})",
        "opérateur rétabli : le DUI n'a pas pu renvoyer",
        en_ok="operator back: sending works again",
        fr_ok="opérateur rétabli : l'envoi fonctionne de nouveau",
        location="driver outcome",
        evidence=back.outcome.to_json(),
    )
