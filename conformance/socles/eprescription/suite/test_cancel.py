"""Cancelling an ordonnance: the service is told, for the number it assigned."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.eprescription.fixtures import EpHarness, line, refusal_rules


@pytest.mark.requirements("EP-27")
def test_cancel_reaches_the_service(eprescription: EpHarness, verify: Verifier) -> None:
    """Annulation d'une ordonnance : le service l'annule pour le numéro qu'il a attribué"""
    done = eprescription.prescribe("resident-qualified", [line("paracetamol-ucd", 1, "comprimé", 3, 7)])
    number = done.assigned
    outcome, traffic = eprescription.cancel(number) if number else (done.outcome, [])
    calls = [ex for ex, _ in traffic if ex.path.endswith("/$cancel")]
    status = eprescription.status_of(number) if number else "unknown"
    facts = {
        "number": number,
        "status": outcome.status,
        "service_status": status,
        "calls": [{"status": ex.status, "number": ex.number} for ex in calls],
    }
    verify.observe("EP-27", "cancel.done", facts, "service traffic: POST Bundle/{number}/$cancel")


@pytest.mark.requirements("EP-26")
def test_cancel_twice_is_reported(eprescription: EpHarness, verify: Verifier) -> None:
    """Annuler deux fois : le second refus du service (409) est signalé à l'utilisateur"""
    done = eprescription.prescribe("resident-second", [line("paracetamol-ucd", 1, "comprimé", 3, 7)])
    number = done.assigned
    first, _ = eprescription.cancel(number) if number else (done.outcome, [])
    second, traffic = eprescription.cancel(number) if number else (done.outcome, [])
    refused = [ex for ex, _ in traffic if ex.path.endswith("/$cancel") and ex.status == 409]
    facts = {
        "number": number,
        "first_status": first.status,
        "status": second.status,
        "detail": second.detail,
        "refusals": len(refused),
        "said": refusal_rules(traffic),
    }
    verify.observe("EP-26", "cancel.twice", facts, "driver outcome + service traffic")
