"""The French certificate cites public documents and gives French reasons, for every shipped requirement."""

from __future__ import annotations

import pytest

from conformance.certificate.wording import (
    NOT_RUN,
    citations,
    cite,
    french,
    not_checked_fr,
    public_version,
    refs_fr,
    shown_verdict,
)
from conformance.requirements import catalog_for
from conformance.socle import installed_socles
from conformance.socles.dmp.messages import M as DMP

SHIPPED = ("mssante", "dmp", "eprescription")


@pytest.fixture(autouse=True)
def _shipped() -> None:
    if not set(SHIPPED) <= set(installed_socles()):
        pytest.skip("needs the three shipped socles")


def _requirements() -> list:  # type: ignore[type-arg]
    return [r for s in SHIPPED for r in catalog_for(s).requirements.values()]


def test_every_shipped_source_cites_a_public_document() -> None:
    uncited = sorted({r.source for r in _requirements() if not cite(r.source)})
    assert not uncited, uncited


def test_every_requirement_not_evaluated_has_a_french_reason() -> None:
    missing = [r.id for r in _requirements() if not r.checked and r.id not in citations().not_checked_fr]
    assert not missing and not_checked_fr("NO-SUCH-01").startswith("exigence")


def test_versions_keep_versions_only() -> None:
    assert public_version("1.0.1 (18/01/2024)") == "1.0.1 (18/01/2024)"
    assert public_version("as read for specs/dmp.md") == ""
    assert public_version("S1 @7cd489b3 (2025-02-19)") == ""
    assert public_version("1.1.0-ballot (draft, FHIR 4.0.1; not yet an opposable CI-SIS volet)") == "1.1.0-ballot"
    assert "UNSURE" not in french("format non public : UNSURE")
    assert refs_fr(["harness stand-in", "ECO.1.0.1"]) == ["contrat de substitution de dui-conformance", "ECO.1.0.1"]


def test_not_run_is_told_apart_from_not_applicable() -> None:
    for rid, marker in citations().not_run.items():
        key = {"DMP-C01": "schema.no-pack", "DMP-C03": "schematron.no-pack"}.get(rid)
        words = [en for k, (en, _) in DMP.table.items() if marker in en]
        assert words, f"{rid}: no DMP message says {marker!r} any more (key {key})"
    finding = {"message": "no ANS schematron pack given (--schematron-pack): the volet schematrons were not run"}
    assert shown_verdict("DMP-C03", "not-applicable", [finding]) == NOT_RUN
    assert shown_verdict("DMP-C03", "not-applicable", [{"message": "no volet for this document"}]) == "not-applicable"
    assert shown_verdict("DMP-C03", "pass", [finding]) == "pass"
