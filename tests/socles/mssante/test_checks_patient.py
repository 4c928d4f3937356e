"""MSS-PAT-01..02: messages to the usager's Mon espace santé address."""

from __future__ import annotations

import pytest

from conformance.model import CheckContext, Finding, Verdict

from .helpers import DOCTOR, PATIENT, Doc, build_message, run_checks, verdicts
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok

PATIENT_ADDR = f"{PATIENT['ins']}@patient.mssante.fr"


def email(data: bytes, **ctx: object) -> list[Finding]:
    return run_checks("email", data, CheckContext(**ctx))  # type: ignore[arg-type]


@pytest.mark.requirements("MSS-PAT-01")
def test_patient_address() -> None:
    ok(email(build_message(to=[PATIENT_ADDR]), patient=dict(PATIENT, qualified=True)), "MSS-PAT-01")
    assert verdicts(email(build_message()), "MSS-PAT-01") == {Verdict.NOT_APPLICABLE}
    fail(email(build_message(), to_patient=True), "MSS-PAT-01", "no @patient.mssante.fr recipient")
    fail(email(build_message(to=["238047505612395@patient.mssante.fr"])), "MSS-PAT-01", "not a valid INS")
    fail(
        email(build_message(to=["145096912304551@patient.mssante.fr"])),
        "MSS-PAT-01",
        "differs from the documents",
    )
    fail(
        email(build_message(to=[PATIENT_ADDR], headers={"X-MSS-INS": "N"})),
        "MSS-PAT-01",
        "requires a qualified",
    )
    fail(
        email(build_message(to=[PATIENT_ADDR]), patient=dict(PATIENT, qualified=False)),
        "MSS-PAT-01",
        "must be blocked",
    )


@pytest.mark.requirements("MSS-PAT-02")
def test_block_reply_header() -> None:
    to_patient = build_message(to=[PATIENT_ADDR], headers={"X-MSS-MES": "FIN"})
    ok(email(to_patient, block_reply=True), "MSS-PAT-02")
    ok(email(build_message(to=[PATIENT_ADDR]), block_reply=False), "MSS-PAT-02")
    assert verdicts(email(build_message()), "MSS-PAT-02") == {Verdict.NOT_APPLICABLE}
    fail(email(build_message(to=[PATIENT_ADDR]), block_reply=True), "MSS-PAT-02", "is missing")
    fail(email(to_patient, block_reply=False), "MSS-PAT-02", "not to be blocked")
    fail(
        email(build_message(to=[PATIENT_ADDR], headers={"X-MSS-MES": "fin"})),
        "MSS-PAT-02",
        "only value is FIN",
    )
    mixed = build_message([Doc()], to=[PATIENT_ADDR, DOCTOR], headers={"X-MSS-MES": "FIN"})
    fail(email(mixed), "MSS-PAT-02", "non-usager recipients", DOCTOR)
