"""The service refuses an invalid ordonnance: the DUI says so and does not claim it registered."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.eprescription.fixtures import EpHarness, line, prescriber, refusal_rules

BROKEN_PRESCRIBERS = {
    # a directory entry with a truncated RPPS: the IDNPS the DUI builds from it breaks EP-04
    "truncated-rpps": {**prescriber(), "rpps": "1000000"},
    # a directory entry with letters in the RPPS
    "letters-in-rpps": {**prescriber(), "rpps": "1000000000A"},
}


@pytest.mark.parametrize("case", sorted(BROKEN_PRESCRIBERS))
@pytest.mark.requirements("EP-26")
def test_refusal_is_reported(eprescription: EpHarness, verify: Verifier, case: str) -> None:
    """Bundle refusé par le service (422 + OperationOutcome) : le DUI signale l'erreur, sans numéro"""
    done = eprescription.prescribe(
        "resident-qualified",
        [line("paracetamol-ucd", 1, "comprimé", 3, 7)],
        strict=True,
        prescriber_params=BROKEN_PRESCRIBERS[case],
        provoked=("EP-04",),  # built from the broken directory entry on purpose: not held against the DUI
    )
    facts = {
        "statuses": [ex.status for ex, _ in done.posts],
        "status": done.outcome.status,
        "detail": done.outcome.detail,
        "said": refusal_rules(done.exchanges),  # the service's rule ids must reach the user
        "assigned": done.assigned,
    }
    verify.observe("EP-26", "refusal.reported", facts, "driver outcome + service traffic")
