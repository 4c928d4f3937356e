"""What the DUI must not feed, and what it must tell the user when the DMP refuses."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, document


@pytest.mark.requirements("DMP-I04")
def test_refuse_non_qualified_identity(dmp: DmpHarness, verify: Verifier) -> None:
    """Identité non qualifiée : le DUI refuse, rien n'atteint le DMP"""
    fed = dmp.feed("resident-unqualified", document("suivi"))
    verify.observe("DMP-I04", "feed.unqualified", fed.facts(), "driver outcome + DMP traffic")
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
    # TD0.2 still says "active": the DMP closed between the DUI's check and its feed
    fed = dmp.feed(patient, document("suivi"), td02_stale=True)
    fed.check(verify)


NOT_ACTIVE = [("resident-corsica", "closed"), ("unknown-patient", "none")]


@pytest.mark.parametrize(
    ("patient", "state"),
    [pytest.param(*r, marks=pytest.mark.requirements("DMP-R02"), id=r[1]) for r in NOT_ACTIVE],
)
def test_no_feed_without_active_dmp(dmp: DmpHarness, verify: Verifier, patient: str, state: str) -> None:
    """DMP fermé ou inexistant : le DUI le constate par TD0.2 et n'alimente pas"""
    fed = dmp.feed(patient, document("suivi"))
    verify.artifact(fed.step_artifact(), fed.ctx)
