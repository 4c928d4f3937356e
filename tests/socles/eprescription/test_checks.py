"""The e-prescription checks are written the one way: registered, one-shaped, naming catalog requirements."""

from __future__ import annotations

import pytest

from conformance.observations import kind_of
from conformance.registry import all_checks, reader_for, signature_ok
from conformance.requirements import load_catalog
from conformance.socles.eprescription import SOCLE

# judged by the scenarios themselves, on the DUI's answers and the service's traffic (no artifact check)
SCENARIO_ONLY = {"EP-26", "EP-27"}


def _mine() -> list:
    SOCLE.load_checks()
    return [c for c in all_checks() if c.socle == SOCLE.name and c.kind != kind_of(SOCLE.name)]  # no observation


@pytest.mark.requirements("EP-01", "EP-22", "EP-23", "EP-25")
def test_every_check_is_registered_with_catalog_requirements() -> None:
    catalog = set(load_catalog(SOCLE.catalog).requirements)
    mine = _mine()
    assert {c.kind for c in mine} == {"fhir", "pdf", "email", "xds-metadata"}
    for c in mine:
        assert c.requirements, f"{c.name} names no requirement"
        assert set(c.requirements) <= catalog, f"{c.name}: {set(c.requirements) - catalog} not in the catalog"
        assert signature_ok(c.fn), f"{c.name} is not fn(subject, ctx)"
    for kind, rule in (("fhir", "EP-01"), ("pdf", "EP-25")):
        rd = reader_for(kind, SOCLE.name)
        assert rd is not None and rd.refusal_rule == rule and signature_ok(rd.read)


def test_every_checked_requirement_has_a_check_or_a_scenario() -> None:
    cat = load_catalog(SOCLE.catalog)
    declared = {rid for c in _mine() for rid in c.requirements}
    checked = {r.id for r in cat.requirements.values() if r.checked}
    assert checked - declared == SCENARIO_ONLY
