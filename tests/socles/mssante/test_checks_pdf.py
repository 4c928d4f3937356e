"""MSS-DOC-03 on a PDF given alone: PDF/A-1 in XMP; the naming rule is for copies attached to a message."""

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
    fail(run_checks("pdf", pdf_bytes(None), name=GOOD_NAME), "MSS-DOC-03", "no XMP metadata")


@pytest.mark.requirements("MSS-DOC-03")
@pytest.mark.parametrize(
    "name",
    [
        "scan.pdf",
        "20261340_Lettre_MARTIN-ESSAI_Jeanne.pdf",
        "ordonnance.pdf",
        "20261120_Lettre_MARTIN-ESSAI_Jeanne.txt",
    ],
)
def test_a_pdf_alone_is_not_held_to_the_naming_rule(name: str) -> None:
    """The printed ordonnance or a scanned letter is not a copy attached to a message (issue 12)."""
    found = run_checks("pdf", pdf_bytes("1"), name=name)
    assert [(f.requirement, f.verdict.value) for f in found] == [("MSS-DOC-03", "pass")]
    assert "(file name)" not in found[0].location


@pytest.mark.requirements("MSS-DOC-03")
def test_broken_pdf_is_a_located_failure() -> None:
    truncated = pdf_bytes("1")[:200]
    f = fail(run_checks("pdf", truncated, name=GOOD_NAME), "MSS-DOC-03")
    assert f.location == GOOD_NAME
    fail(run_checks("pdf", b"not a pdf at all", name=GOOD_NAME), "MSS-DOC-03", "not a PDF")
