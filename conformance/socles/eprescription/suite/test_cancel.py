"""Cancelling an ordonnance: the service is told, for the number it assigned."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.eprescription.fixtures import EpHarness, line, reports_refusal
from conformance.socles.eprescription.messages import M, either

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


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
        M.text(
            "cancel.not-done",
            number=either(number, "cancel.nothing-registered"),
            status=outcome.status,
            service_status=status,
            calls=len(calls),
        ),
        ok_text=M.text("cancel.done", number=number),
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
        verify.record([M.not_applicable("EP-26", "cancel.nothing-refused", "service traffic")])
        return
    reported, _ = reports_refusal(second, traffic)
    verify.expect(
        "EP-26",
        bool(number) and first.ok and reported,
        M.text(
            "cancel.second-not-reported",
            number=number,
            status=second.status,
            detail=second.detail[:200],
            refusals=len(refused),
        ),
        ok_text=M.text("cancel.second-reported", detail=second.detail[:200]),
        location="driver outcome",
        evidence=second.to_json(),
    )
