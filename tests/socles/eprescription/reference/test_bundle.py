"""The reference DUI's ordonnance Bundle passes the rules; each bundle defect breaks exactly one rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from conformance import identities
from conformance.model import CheckContext, Level, Verdict
from conformance.requirements import load_catalog
from conformance.socle import Defect
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.checks import prescription_findings
from conformance.socles.eprescription.fixtures import line, prescriber
from conformance.socles.eprescription.reference.bundle import build_bundle
from conformance.socles.eprescription.reference.defects import DEFECTS
from conformance.socles.eprescription.reference.switches import BundleFlaw

CATALOG = load_catalog(SOCLE.catalog)
PARAMS = {
    "patient": identities.patient("resident-qualified"),
    "prescriber": prescriber(),
    "organization": {"finess": "990000001", "name": "EHPAD ESSAI"},
    "lines": [
        line("furosemide-ucd", 1, "comprimé", 1, 30),
        line("paracetamol-sms", 500, "mg", 4, 5, "si douleur"),
        line("rivastigmine-patch-ucd", 1, "patch", 1, 30, application_hours=24),
        line("vaseline-salicylee", 1, "g", 2, 10),
    ],
}
AT = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # the reference time EP-29 judges authoredOn against
CTX = CheckContext(extra={"ordonnance_lines": {"ordonnance": 4}, "at": AT})


def _failing(flaw: BundleFlaw | None) -> set[str]:
    built = build_bundle(PARAMS, flaw, authored="2026-11-23T10:00:00+01:00", group="ORD-ESSAI-1")
    found = prescription_findings(json.dumps(built.bundle).encode(), CTX, [])
    return {
        f.requirement
        for f in found
        if f.verdict is Verdict.FAIL and CATALOG.requirements[f.requirement].level is Level.EXIGENCE
    }


def test_reference_bundle_fails_nothing() -> None:
    assert _failing(None) == set()


@pytest.mark.parametrize(
    "defect",
    [
        pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement))
        for d in DEFECTS
        if isinstance(d.switch, BundleFlaw)
    ],
)
def test_bundle_defect_fails_exactly_its_requirement(defect: Defect) -> None:
    assert isinstance(defect.switch, BundleFlaw)
    assert _failing(defect.switch) == {defect.requirement}
