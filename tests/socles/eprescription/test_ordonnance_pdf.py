"""The printed-ordonnance check (kind "pdf", socle eprescription): QR code and number in clear."""

from __future__ import annotations

import pytest

from conformance.demo.eprescription_pdf import PrintInput, ordonnance_pdf
from conformance.model import Artifact, CheckContext, Verdict
from conformance.registry import checks_for
from conformance.socles.eprescription.checks.ordonnance import check_printed_ordonnance
from conformance.socles.eprescription.service import make_number

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
    return ordonnance_pdf(inp, defect)


def _verdicts(data: bytes, expected: str | None = NUMBER) -> dict[str, Verdict]:
    ctx = CheckContext(extra={"prescription_number": expected} if expected else {})
    out: dict[str, Verdict] = {}
    for f in check_printed_ordonnance(Artifact("pdf", "o.pdf", data), ctx):
        if f.requirement not in out or f.verdict.rank > out[f.requirement].rank:
            out[f.requirement] = f.verdict
    return out


def test_registered_under_eprescription_only() -> None:
    names = [c.name for c in checks_for("pdf", ["eprescription"])]
    assert names == ["conformance.socles.eprescription.checks.ordonnance.check_printed_ordonnance"]


@pytest.mark.requirements("EP-22", "EP-25")
def test_reference_ordonnance_passes() -> None:
    assert _verdicts(_pdf()) == {"EP-22": Verdict.PASS, "EP-25": Verdict.PASS}
    assert _verdicts(_pdf(), expected=None) == {"EP-22": Verdict.PASS, "EP-25": Verdict.PASS}


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
    found = list(check_printed_ordonnance(Artifact("pdf", "x.pdf", data), CheckContext()))
    assert any(f.requirement == "EP-25" and f.verdict is Verdict.FAIL and f.location for f in found)
    assert all(f.message_fr and f.message_en for f in found)


def test_a_pdf_without_any_number_is_not_an_ordonnance_in_artifact_mode() -> None:
    """`conformance validate copy.pdf` on an MSSanté PDF copy must not fail e-prescription rules."""
    from tests.socles.mssante.helpers import pdf_bytes

    assert set(_verdicts(pdf_bytes(), expected=None).values()) == {Verdict.NOT_APPLICABLE}
    assert _verdicts(_pdf("no-qr-code"), expected=None)["EP-25"] is Verdict.FAIL  # a number, but no QR code
