"""MSS-DOC-03 on a PDF given alone: PDF/A-1 judged on the file; the attachment-name rule does not apply."""

from __future__ import annotations

import pytest

from .helpers import assert_fail as fail
from .helpers import assert_pass as ok
from .helpers import pdf_bytes, run_checks

GOOD_NAME = "20261120_Lettre de liaison_MARTIN-ESSAI_Jeanne.pdf"


@pytest.mark.requirements("MSS-DOC-03")
def test_pdfa1_declared() -> None:
    ok(run_checks("pdf", pdf_bytes("1"), name=GOOD_NAME), "MSS-DOC-03")
    fail(run_checks("pdf", pdf_bytes("3"), name=GOOD_NAME), "MSS-DOC-03", "pdfaid:part is 3")
    fail(run_checks("pdf", pdf_bytes(None), name=GOOD_NAME), "MSS-DOC-03", "pdfaid:part is absent")


@pytest.mark.requirements("MSS-DOC-03")
@pytest.mark.parametrize(
    "name",
    [
        "scan.pdf",
        "ordonnance.pdf",
        "20261340_Lettre_MARTIN-ESSAI_Jeanne.pdf",
        "20261120_Lettre_MARTIN-ESSAI_Jeanne.txt",
    ],
)
def test_bare_pdf_name_is_not_judged(name: str) -> None:
    """The name rule is about a message's attachment name (issue 12: the printed ordonnance failed it)."""
    found = run_checks("pdf", pdf_bytes("1"), name=name)
    ok(found, "MSS-DOC-03")
    named = [f for f in found if f.location.endswith("(file name)")]
    assert [f.verdict.value for f in named] == ["not-applicable"] and "attachment" in named[0].message_en


@pytest.mark.requirements("MSS-DOC-03")
def test_broken_pdf_is_a_located_failure() -> None:
    truncated = pdf_bytes("1")[:200]
    f = fail(run_checks("pdf", truncated, name=GOOD_NAME), "MSS-DOC-03")
    assert f.location == GOOD_NAME
    fail(run_checks("pdf", b"not a pdf at all", name=GOOD_NAME), "MSS-DOC-03", "not a PDF")
