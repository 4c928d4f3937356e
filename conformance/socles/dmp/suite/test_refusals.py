"""What the DUI must not feed, and what it must tell the user when the DMP refuses."""

from __future__ import annotations

import pytest

from conformance.socles.dmp.fixtures import DmpHarness, document
from conformance.verify import Verifier


@pytest.mark.requirements("DMP-I04")
def test_refuse_non_qualified_identity(dmp: DmpHarness, verify: Verifier) -> None:
    """Identité non qualifiée : le DUI refuse, rien n'atteint le DMP"""
    fed = dmp.feed("resident-unqualified", document("suivi"))
    verify.expect(
        "DMP-I04",
        fed.outcome.status == "refused" and not fed.exchanges,
        f"non-qualified identity: the DUI answered {fed.outcome.status} and {len(fed.exchanges)} request(s) "
        "reached the DMP",
        f"identité non qualifiée : le DUI a répondu {fed.outcome.status} et {len(fed.exchanges)} requête(s) "
        "ont atteint le DMP",
        en_ok=f"non-qualified identity: refused ({fed.outcome.detail})",
        fr_ok=f"identité non qualifiée : refusé ({fed.outcome.detail})",
        location="driver outcome + DMP traffic",
        evidence={"outcome": fed.outcome.to_json(), "requests": len(fed.exchanges)},
    )
    if fed.exchanges:
        fed.check(verify)


REFUSED = [
    ("resident-corsica", "closed", "DMP fermé"),
    ("resident-opposition", "opposition", "opposition du patient"),
]


@pytest.mark.parametrize(
    ("patient", "case", "label"),
    [pytest.param(*r, marks=pytest.mark.requirements("DMP-R01"), id=r[1]) for r in REFUSED],
)
def test_dmp_refusal_reported(dmp: DmpHarness, verify: Verifier, patient: str, case: str, label: str) -> None:
    """Refus du DMP : le DUI ne déclare pas le document versé et restitue errorCode et codeContext"""
    fed = dmp.feed(patient, document("suivi"))
    fed.check(verify)
