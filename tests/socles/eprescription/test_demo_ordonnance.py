"""The reference DUI's ordonnance Bundle passes the rules; each bundle defect breaks exactly one rule."""

from __future__ import annotations

import json

import pytest

from conformance import identities
from conformance.demo.defects import defects_for
from conformance.demo.eprescription_bundle import BUNDLE_DEFECTS, build_bundle
from conformance.demo.switches import Switches, switches_for
from conformance.model import CheckContext, Level, Verdict
from conformance.requirements import load_catalog
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.checks import prescription_findings
from conformance.socles.eprescription.fixtures import line, prescriber

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
CTX = CheckContext(extra={"ordonnance_lines": {"ordonnance": 4}})


def _failing(defect: str | None) -> set[str]:
    built = build_bundle(PARAMS, defect, authored="2026-11-23T10:00:00+01:00", group="ORD-ESSAI-1")
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
        for d in defects_for("eprescription")
        if d.name in BUNDLE_DEFECTS
    ],
)
def test_bundle_defect_fails_exactly_its_requirement(defect) -> None:  # type: ignore[no-untyped-def]
    assert _failing(defect.name) == {defect.requirement}


def test_defect_catalogue() -> None:
    ep = defects_for("eprescription")
    assert len(ep) >= 20 and len({d.name for d in ep}) == len(ep)
    for d in ep:
        req = CATALOG.requirements[d.requirement]
        # a cross-socle defect (sharing the ordonnance) breaks the PRECONISATION EP-23 and needs the other socle
        assert req.checked and (req.level is Level.EXIGENCE or (d.requirement == "EP-23" and d.needs)), d.name
        assert switches_for(d.name) == Switches()  # the MSSanté side of the DUI stays the reference


def test_every_checked_exigence_has_its_defect() -> None:
    """Sensitivity (DESIGN.md). A "harness" requirement (GEN-02: the rule set and packages the harness
    validates with, and their versions in the output) is about the harness itself: no DUI can break it."""
    wanted = {
        r.id for r in CATALOG.requirements.values() if r.checked and r.level is Level.EXIGENCE and r.kind != "harness"
    }
    assert wanted == {d.requirement for d in defects_for("eprescription")} - {"EP-23"}
    assert {r.id for r in CATALOG.requirements.values() if r.kind == "harness" and r.checked} == {"GEN-02"}
