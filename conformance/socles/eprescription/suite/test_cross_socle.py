"""Scenarios that span two socles: they run only when the other socle is in the same run.

The ordonnance registered by the e-prescription service is shared by the DUI (verb
"eprescription.share"): fed to the resident's DMP, and sent to the resident's Mon espace santé
mailbox only when the INS is qualified. The other socle's mock service captures what arrived; EP-23
is judged on it (conformance/socles/eprescription/sharing.py, checks/shared.py).
"""

from __future__ import annotations

import pytest

from conformance import identities
from conformance.engine.verifier import Verifier
from conformance.socles.eprescription.fixtures import EpHarness, selected_socles
from conformance.socles.eprescription.sharing import LINES, registered, share_to_dmp, share_to_patient

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


def other_socle(request: pytest.FixtureRequest, socle: str, fixture: str, why: str) -> object:
    if socle not in selected_socles(request.config):
        pytest.skip(f"cross-socle scenario: needs --socle {socle} in the same run ({why})")
    return request.getfixturevalue(fixture)


@pytest.mark.requirements("EP-23")
def test_ordonnance_fed_to_dmp(eprescription: EpHarness, verify: Verifier, request: pytest.FixtureRequest) -> None:
    """Ordonnance versée au DMP : CDA N1 typé 57833-6, classe 42, PDF = ordonnance imprimée (QR du numéro)"""
    dmp = other_socle(request, "dmp", "dmp", "the mock DMP receives the ordonnance")
    done = eprescription.prescribe("resident-qualified", LINES)
    if registered(verify, done):
        share_to_dmp(eprescription, dmp, done, identities.patient("resident-qualified")).check(verify)


@pytest.mark.requirements("EP-23")
def test_ordonnance_sent_to_patient_by_mssante(
    eprescription: EpHarness, verify: Verifier, request: pytest.FixtureRequest
) -> None:
    """Ordonnance envoyée au patient par MSSanté (adresse INS), seulement si son INS est qualifiée"""
    mss = other_socle(request, "mssante", "mss", "the mock MSSanté operator carries the ordonnance")
    qualified = identities.patient("resident-qualified")
    done = eprescription.prescribe("resident-qualified", LINES)
    if registered(verify, done):
        share_to_patient(eprescription, mss, done, qualified).check_sent(verify)
    unqualified = identities.patient("resident-unqualified")
    done = eprescription.prescribe("resident-unqualified", LINES)
    if registered(verify, done):
        share_to_patient(eprescription, mss, done, unqualified).check_refused(verify)
