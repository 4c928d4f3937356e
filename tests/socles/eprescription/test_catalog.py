"""The catalog, the cited rule set and the socle object hold together."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.formats.fhir import active_packages, set_active_packages
from conformance.model import Level
from conformance.requirements import load_catalog
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.checks.ruleset import load_ruleset
from tests.socles.eprescription.helpers import CORPUS, findings, good

CHECKS = Path(__file__).resolve().parents[3] / "conformance" / "socles" / "eprescription" / "checks"


def test_catalog_and_socle() -> None:
    cat = load_catalog(SOCLE.catalog)
    assert cat.socle == SOCLE.name == "eprescription"
    assert SOCLE.checks and all(m.startswith("conformance.socles.eprescription.") for m in SOCLE.checks)
    ids = set(cat.requirements)
    assert {f"EP-{i:02d}" for i in range(1, 34)} | {"ID-01", "ID-02", "ID-03", "ID-04", "GEN-01", "GEN-02"} == ids
    for r in cat.requirements.values():
        assert r.source and r.source_version and r.text_fr and r.title_en
        if r.unsure:
            assert r.level is Level.PRECONISATION
    assert {r.id for r in cat.requirements.values() if not r.checked} == {"EP-21", "EP-24"}


def test_every_checked_requirement_is_emitted_by_some_rule() -> None:
    cat = load_catalog(SOCLE.catalog)
    # workflow requirements (EP-26, EP-27) are judged by the scenarios on the DUI's answers and the traffic
    sources = [*CHECKS.glob("*.py"), *(CHECKS.parent / "suite").glob("*.py"), CHECKS.parent / "fixtures.py"]
    code = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    data = (Path(SOCLE.catalog).parent / "rules.toml").read_text(encoding="utf-8")
    emitted = set(re.findall(r'"((?:EP|ID|GEN)-\d\d)"', code + data))
    for r in cat.requirements.values():
        if r.checked:
            assert r.id in emitted, r.id
    assert emitted <= set(cat.requirements)


def test_rule_set_cites_its_sources() -> None:
    rules = load_ruleset()
    assert rules.ig_version == "1.1.0-ballot" and rules.fr_core_version == "2.1.0"
    for c in rules.cardinalities:
        assert c.source and c.profile in rules.profiles
    for i in rules.invariants:
        assert i.source and i.expression and i.profile in rules.profiles
    assert rules.cite("medicationrequest").endswith("fr-medicationrequest|1.1.0-ballot")


@pytest.mark.requirements("GEN-02")
def test_active_package_is_used_and_reported() -> None:
    ig = CORPUS / "eprescription-ig"
    if not ig.is_dir():
        pytest.skip("../shared/corpus is absent")
    try:
        set_active_packages([ig])
        assert [p.name for p in active_packages()] == ["ans.fhir.fr.eprescription"]
        from conformance.model import CheckContext
        from conformance.socles.eprescription.checks import prescription_findings

        found = prescription_findings(
            Path(SOCLE.catalog)
            .parents[1]
            .joinpath("..", "fixtures", "eprescription", "ordonnance-good.json")
            .read_bytes(),
            CheckContext(),
        )
        gen02 = [f for f in found if f.requirement == "GEN-02"]
        assert "ans.fhir.fr.eprescription#1.1.0-ballot" in gen02[0].message_en
    finally:
        set_active_packages([])
    assert "none (harness rule set only)" in [f for f in findings(good()) if f.requirement == "GEN-02"][0].message_en
