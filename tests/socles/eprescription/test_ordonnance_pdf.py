"""The printed-ordonnance check (kind "pdf", socle eprescription): QR code and number in clear."""

from __future__ import annotations

import pytest

from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import checks_for, run_checks
from conformance.socle import find_defect
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.reference.pdf import PrintInput, ordonnance_pdf
from conformance.socles.eprescription.service import make_number
from tests.socles.eprescription.helpers import plain_pdf

NUMBER = make_number(123456)


def _pdf(defect: str | None = None) -> bytes:
    inp = PrintInput(
        NUMBER,
        {"birth_name": "MARTIN-ESSAI", "first_given": "Jeanne", "ins": "238047505612394"},
        {"family": "MEDECIN-ESSAI", "given": "Paul", "rpps": "10000000000"},
        {"name": "EHPAD ESSAI"},
        "23/11/2026",
        ["FUROSEMIDE 40 mg cp : 1 comprimé 1 fois par jour"],
    )
    row = find_defect(defect) if defect else None  # the defect's PrintFlaw, from the defects table
    return ordonnance_pdf(inp, row.switch if row else None)


def _check(data: bytes, ctx: CheckContext) -> list[Finding]:
    SOCLE.load_checks()
    return run_checks(Artifact("pdf", "o.pdf", data), ctx, ["eprescription"])


def _verdicts(data: bytes, expected: str | None = NUMBER) -> dict[str, Verdict]:
    ctx = CheckContext(extra={"prescription_number": expected} if expected else {})
    out: dict[str, Verdict] = {}
    for f in _check(data, ctx):
        if f.requirement not in out or f.verdict.rank > out[f.requirement].rank:
            out[f.requirement] = f.verdict
    return out


def test_registered_under_eprescription_only() -> None:
    SOCLE.load_checks()
    names = [c.name for c in checks_for("pdf", ["eprescription"])]
    assert names == [
        "conformance.socles.eprescription.checks.ordonnance.check_printed_ordonnance",
        "conformance.socles.eprescription.checks.ordonnance.check_ordonnance_pdfa",
    ]


@pytest.mark.requirements("EP-22", "EP-25", "EP-28")
def test_reference_ordonnance_passes() -> None:
    every = {"EP-22": Verdict.PASS, "EP-25": Verdict.PASS, "EP-28": Verdict.PASS}
    assert _verdicts(_pdf()) == every
    assert _verdicts(_pdf(), expected=None) == every


@pytest.mark.requirements("EP-28")
def test_an_ordonnance_that_is_not_pdfa_fails_ep28_only() -> None:
    from tests.mutations.pdf import PDF_DEFECTS, edit

    js = dict((n, f) for n, f, _ in PDF_DEFECTS)["pdf-javascript-open"]
    verdicts = _verdicts(edit(_pdf(), js))
    assert verdicts == {"EP-22": Verdict.PASS, "EP-25": Verdict.PASS, "EP-28": Verdict.FAIL}
    found = [f for f in _check(edit(_pdf(), js), CheckContext()) if f.verdict is Verdict.FAIL]
    assert found[0].location == "PDF > Root/OpenAction" and "§6.6.1" in found[0].message_fr


@pytest.mark.requirements("EP-25")
@pytest.mark.parametrize("defect", ["qr-other-number", "number-not-printed", "no-qr-code"])
def test_each_print_defect_fails_ep25(defect: str) -> None:
    assert _verdicts(_pdf(defect))["EP-25"] is Verdict.FAIL


@pytest.mark.requirements("EP-25")
def test_another_expected_number_fails() -> None:
    assert _verdicts(_pdf(), expected=make_number(999))["EP-25"] is Verdict.FAIL


@pytest.mark.requirements("EP-25")
@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n garbage", b"not a pdf at all" * 1000, b"%PDF-1.4\n" + b"0" * 100])
def test_hostile_files_fail_cleanly(data: bytes) -> None:
    found = _check(data, CheckContext())
    assert any(f.requirement == "EP-25" and f.verdict is Verdict.FAIL and f.location for f in found)
    assert all(f.message_fr and f.message_en for f in found)


def test_a_pdf_without_any_number_is_not_an_ordonnance_in_artifact_mode() -> None:
    """`conformance validate copy.pdf` on an MSSanté PDF copy must not fail e-prescription rules."""
    assert set(_verdicts(plain_pdf(), expected=None).values()) == {Verdict.NOT_APPLICABLE}
    assert _verdicts(_pdf("no-qr-code"), expected=None)["EP-25"] is Verdict.FAIL  # a number, but no QR code
