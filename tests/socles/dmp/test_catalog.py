"""The DMP requirement catalog loads, matches the specs' 43 testable requirements plus the
harness-own DMP-Hxx rules and the rules added for issue 12, and every id the DMP checks and
scenarios emit is in it. The DMP value sets we ship load and say what the specs say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.formats.terminology import load_svs
from conformance.model import Level
from conformance.paths import profiles_dir
from conformance.requirements import load_catalog
from conformance.socles.dmp import SOCLE

REPO = Path(__file__).resolve().parents[3]
CHECKS = REPO / "conformance" / "socles" / "dmp" / "checks"
SUITE = REPO / "conformance" / "socles" / "dmp" / "suite"
HARNESS = re.compile(r"^DMP-H\d{2}$")
# rules added for issue 12, each citing a public source outside specs/dmp.md §8 (no invented official id)
ADDED = {"DMP-V10", "DMP-C10", "DMP-C11", "DMP-X13", "DMP-X14", "DMP-I07"}
SPEC = REPO.parent / "shared" / "specs" / "dmp.md"
ID = re.compile(r"\bDMP-[A-Z]\d{2}\b")


def catalog():  # type: ignore[no-untyped-def]
    return load_catalog(SOCLE.catalog)


def test_catalog_loads_with_43_requirements_and_the_harness_rules() -> None:
    cat = catalog()
    harness = {rid for rid in cat.requirements if HARNESS.match(rid)}
    assert cat.socle == "dmp" and len(cat.requirements) - len(harness) - len(ADDED) == 43
    assert harness == {"DMP-H01", "DMP-H02", "DMP-H03", "DMP-H04"}
    for rid in ADDED:
        assert cat[rid].source and cat[rid].source_quality in ("primary", "secondary") and not cat[rid].refs[1:]
    for rid in harness:  # harness-own rules cite their public source and carry no invented official id
        assert cat[rid].source_quality == "harness" and all(r.startswith("ITI-") for r in cat[rid].refs)
    for req in cat.requirements.values():
        assert req.text_fr and req.title_en and req.source and req.source_version
        assert req.source_quality in ("primary", "secondary", "harness")
        if req.unsure:
            assert req.level is Level.PRECONISATION
        if not req.checked:
            assert req.not_checked_reason


def test_catalog_ids_are_the_specs_ids() -> None:
    if not SPEC.is_file():
        pytest.skip("../shared/specs is absent")
    section = SPEC.read_text(encoding="utf-8").split("## 8. Testable requirements", 1)[1]
    spec_ids = re.findall(r"^\d+\. \*\*(DMP-[A-Z]\d{2}) \((err|warn|info)", section, flags=re.M)
    assert len(spec_ids) == 43
    cat = catalog()
    assert sorted(i for i, _ in spec_ids) == sorted(
        r for r in cat.requirements if not HARNESS.match(r) and r not in ADDED
    )
    for rid, level in spec_ids:
        if level != "err":
            assert cat[rid].level is Level.PRECONISATION, rid


def test_every_id_the_checks_emit_is_in_the_catalog() -> None:
    emitted = set()
    for path in [*CHECKS.glob("*.py"), *SUITE.glob("test_*.py")]:  # scenarios judge a few rules themselves
        emitted |= set(ID.findall(path.read_text(encoding="utf-8")))
    cat = catalog()
    assert emitted, "no requirement id found in the checks"
    assert emitted <= set(cat.requirements), emitted - set(cat.requirements)
    checked = {r.id for r in cat.requirements.values() if r.checked}
    assert emitted == checked, (
        f"checked but never emitted: {checked - emitted}; emitted but not checked: {emitted - checked}"
    )


def test_socle_object_points_at_real_places() -> None:
    assert SOCLE.name == "dmp" and SOCLE.catalog.is_file() and SOCLE.suite.is_dir()
    SOCLE.load_checks()
    from conformance.registry import checks_for

    kinds = {c.kind for c in checks_for("cda", ["dmp"]) + checks_for("xds-metadata", ["dmp"])}
    assert kinds == {"cda", "xds-metadata"}


@pytest.mark.requirements("DMP-C02", "DMP-X01")
def test_validate_runs_the_dmp_checks_and_names_their_input_rules() -> None:
    from conformance.engine.validate import validate_bytes

    from . import helpers as b

    result = validate_bytes("doc.xml", b.to_bytes(b.cda_root()), socles=["dmp"])
    assert result.kind == "cda" and {f.requirement for f in result.findings} >= {"DMP-C02", "DMP-I01"}
    too_big = validate_bytes("doc.xml", b.to_bytes(b.cda_root()), socles=["dmp"], max_bytes=100)
    assert [(f.requirement, f.verdict.value) for f in too_big.findings] == [("DMP-C02", "fail")]


def test_shipped_dmp_value_sets() -> None:
    folder = profiles_dir() / "valuesets"
    j61 = load_svs(folder / "JDV_J61_HealthcareFacilityTypeCode_DMP.xml")
    assert j61.oid == "1.2.250.1.213.1.1.5.3"
    assert j61.contains("SA11", "1.2.250.1.71.4.2.4") and not j61.contains("SA66")  # J02 + SA11 - SA66/SA67
    assert j61.contains("SA17", "1.2.250.1.71.4.2.4") and j61.contains("EXP_PATIENT", "1.2.250.1.213.1.1.4.6")
    j59 = load_svs(folder / "JDV_J59_ContentTypeCode_DMP.xml")
    assert j59.contains("11", "1.2.250.1.213.2.2") and j59.contains("SA41", "1.2.250.1.71.4.2.4")
    assert not j59.contains("SA01")
    j57 = load_svs(folder / "JDV_J57_ClassCode_DMP.xml")
    assert j57.contains("urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN") and not j57.contains("99")
    assert load_svs(folder / "JDV_J143_AdministrativeGender_CISIS.xml").contains("UN", "2.16.840.1.113883.5.1")
    assert load_svs(folder / "JDV_J01_XdsAuthorSpecialty_CISIS.xml").contains("LOGICIEL_DUI", "1.2.250.1.213.1.1.4.6")
