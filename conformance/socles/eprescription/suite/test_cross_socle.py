"""Scenarios that span two socles: they run only when the other socle is in the same run."""

from __future__ import annotations

import pytest

from conformance.socles.eprescription.fixtures import EpHarness, selected_socles
from conformance.verify import Verifier


@pytest.mark.requirements("EP-23")
def test_ordonnance_fed_to_dmp(eprescription: EpHarness, verify: Verifier, request: pytest.FixtureRequest) -> None:
    """Ordonnance versée au DMP (type LOINC 57833-6, classe TRE_A03 « 03 »)"""
    if "dmp" not in selected_socles(request.config):
        pytest.skip("cross-socle scenario: needs --socle dmp in the same run (the DMP service feeds on the ordonnance)")
    pytest.skip("cross-socle DMP feed of the ordonnance: not written yet (the DMP socle has no scenario driver)")


@pytest.mark.requirements("EP-23")
def test_ordonnance_sent_to_patient_by_mssante(
    eprescription: EpHarness, verify: Verifier, request: pytest.FixtureRequest
) -> None:
    """Ordonnance envoyée au patient par MSSanté (à sa demande, au lieu du papier)"""
    if "mssante" not in selected_socles(request.config):
        pytest.skip("cross-socle scenario: needs --socle mssante in the same run (the mock operator carries it)")
    pytest.skip("cross-socle MSSanté sending of the ordonnance: not written yet (mssante.send_documents "
                "has no parameter to attach the printed ordonnance)")
