"""The e-prescription and PDF mutation corpus: each single-defect variant fails the requirement it is
tagged with, and each unmodified control passes every requirement its socle judges.

The variants are made from the reference DUI's own artifacts (tests/mutations/eprescription.py,
tests/mutations/pdf.py); the sensitivity this measures is stated in docs/eprescription-corpus-findings.md.
"""

from __future__ import annotations

import pytest

from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import run_checks
from conformance.socle import get_socle
from tests.mutations import eprescription, pdf
from tests.mutations.pdf import Variant

VARIANTS = [*eprescription.variants(), *pdf.variants()]


def _judge(v: Variant) -> list[Finding]:
    socle = get_socle(v.socle)
    socle.load_checks()
    # the context of the demo's prescribing step: its reference time and the ordonnance's line count
    ctx = CheckContext(extra={"at": eprescription.AT, "ordonnance_lines": {"ordonnance": len(eprescription.LINES)}})
    return run_checks(Artifact(v.kind, v.file_name, v.data), ctx, [v.socle])


def test_the_corpus_is_large_enough() -> None:
    defects = [v for v in VARIANTS if not v.control]
    assert len(defects) >= 70 and len({v.name for v in VARIANTS}) == len(VARIANTS)
    assert {v.kind for v in VARIANTS} == {"fhir", "pdf"}


@pytest.mark.parametrize("v", [pytest.param(v, id=v.name) for v in VARIANTS if v.control])
def test_control_passes(v: Variant) -> None:
    failing = [f for f in _judge(v) if f.verdict is Verdict.FAIL]
    assert failing == [], [(f.requirement, f.location, f.message_en) for f in failing]


@pytest.mark.parametrize(
    "v", [pytest.param(v, id=v.name, marks=pytest.mark.requirements(v.requirement)) for v in VARIANTS if not v.control]
)
def test_variant_fails_its_requirement(v: Variant) -> None:
    found = _judge(v)
    mine = [f for f in found if f.requirement == v.requirement and f.verdict is Verdict.FAIL]
    assert mine, f"{v.name} ({v.note}): {v.requirement} did not fail"
    assert all(f.location and f.message_en and f.message_fr for f in mine)
