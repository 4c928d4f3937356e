"""Cancelling an ordonnance: the service is told, for the number it assigned."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.model import not_applicable
from conformance.socles.eprescription.fixtures import EpHarness, line, reports_refusal


@pytest.mark.requirements("EP-27")
def test_cancel_reaches_the_service(eprescription: EpHarness, verify: Verifier) -> None:
    """Annulation d'une ordonnance : le service l'annule pour le numéro qu'il a attribué"""
    done = eprescription.prescribe("resident-qualified", [line("paracetamol-ucd", 1, "comprimé", 3, 7)])
    number = done.assigned
    outcome, traffic = eprescription.cancel(number) if number else (done.outcome, [])
    calls = [ex for ex, _ in traffic if ex.path.endswith("/$cancel")]
    status = eprescription.status_of(number) if number else "unknown"
    verify.expect(
        "EP-27",
        bool(number)
        and outcome.ok
        and status == "cancelled"
        and any(ex.status == 200 and ex.number == number for ex in calls),
        f"cancel of {number or '(nothing registered)'}: DUI answered {outcome.status}, service status {status}, "
        f"{len(calls)} cancel call(s)",
        f"annulation de {number or '(rien d’enregistré)'} : le DUI a répondu {outcome.status}, statut au service "
        f"{status}, {len(calls)} appel(s) d'annulation",
        en_ok=f"{number} cancelled at the service",
        fr_ok=f"{number} annulée auprès du service",
        location="service traffic: POST Bundle/{number}/$cancel",
        evidence=outcome.to_json(),
    )


@pytest.mark.requirements("EP-26")
def test_cancel_twice_is_reported(eprescription: EpHarness, verify: Verifier) -> None:
    """Annuler deux fois : le second refus du service (409) est signalé à l'utilisateur"""
    done = eprescription.prescribe("resident-second", [line("paracetamol-ucd", 1, "comprimé", 3, 7)])
    number = done.assigned
    first, _ = eprescription.cancel(number) if number else (done.outcome, [])
    second, traffic = eprescription.cancel(number) if number else (done.outcome, [])
    refused = [ex for ex, _ in traffic if ex.path.endswith("/$cancel") and ex.status == 409]
    if number and not refused:  # the service never refused: there was no refusal to report
        verify.record(
            [
                not_applicable(
                    "EP-26",
                    "the service refused nothing (the second cancel never reached it)",
                    "le service n'a rien refusé (la seconde annulation ne lui est pas parvenue)",
                    "service traffic",
                )
            ]
        )
        return
    reported, _ = reports_refusal(second, traffic)
    verify.expect(
        "EP-26",
        bool(number) and first.ok and reported,
        f"second cancel of {number}: DUI answered {second.status} {second.detail[:200]!r} "
        f"({len(refused)} refusal(s) by the service)",
        f"seconde annulation de {number} : le DUI a répondu {second.status}",
        en_ok=f"second cancel reported: {second.detail[:200]}",
        fr_ok="second refus signalé",
        location="driver outcome",
        evidence=second.to_json(),
    )
