"""DMP-I01..I05: INS on the CDA recordTarget (roots, key, traits, qualified identity, INSi form)."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.formats.ins import with_key
from conformance.identities import patient
from conformance.model import CheckContext, Verdict

from . import helpers as b
from .helpers import fails, run_cda, verdicts
from .test_cda_header import _drop, _set, _text, _x

INS = "cda:recordTarget/cda:patientRole/cda:id[1]"
PATIENT = "cda:recordTarget/cda:patientRole/cda:patient"


def _doc(mutate=None) -> bytes:  # type: ignore[no-untyped-def]
    root = b.cda_root()
    if mutate:
        mutate(root)
    return b.to_bytes(root)


def _add_id(root_oid: str, ext: str):  # type: ignore[no-untyped-def]
    def mutate(root: etree._Element) -> None:
        _x(root, INS).addnext(etree.Element(f"{{{b.HL7}}}id", root=root_oid, extension=ext))

    return mutate


@pytest.mark.requirements("DMP-I01", "DMP-I02", "DMP-I03", "DMP-I05")
def test_good_ins_passes() -> None:
    found = run_cda(_doc())
    for req in ("DMP-I01", "DMP-I02", "DMP-I03", "DMP-I05"):
        assert verdicts(found, req) == {Verdict.PASS}, req


@pytest.mark.requirements("DMP-I01")
@pytest.mark.parametrize(
    "mutate,fragment",
    [
        pytest.param(_drop(INS), "no INS", id="no-ins"),
        pytest.param(
            _add_id("1.2.250.1.213.1.4.8", with_key("1380475056123")),
            "test INS mixed with production",
            id="test-mixed-with-production",
        ),
        pytest.param(_add_id("1.2.250.1.213.1.4.10", with_key("1450969123045")), "2 INS ids", id="two-ins"),
        pytest.param(_add_id("1.2.250.1.213.1.4.2", "1234567890123456789012"), "INS-C", id="ins-c"),
        pytest.param(_set(INS, "extension", "23804750561239"), "not 15 characters", id="short"),
    ],
)
def test_ins_root_and_count_defects(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    failed = fails(run_cda(_doc(mutate)), "DMP-I01")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]


@pytest.mark.requirements("DMP-I01")
def test_environment_decides_which_roots_are_accepted() -> None:
    test_doc = _doc()
    prod_doc = _doc(_set(INS, "root", "1.2.250.1.213.1.4.8"))
    prod, test = (
        CheckContext(extra={"ins_environment": "production"}),
        CheckContext(extra={"ins_environment": "test"}),
    )
    assert verdicts(run_cda(test_doc, test), "DMP-I01") == {Verdict.PASS}
    assert verdicts(run_cda(prod_doc, prod), "DMP-I01") == {Verdict.PASS}
    assert "sent to the production DMP" in fails(run_cda(test_doc, prod), "DMP-I01")[0].message_en
    assert "used on the test platform" in fails(run_cda(prod_doc, test), "DMP-I01")[0].message_en


@pytest.mark.requirements("DMP-I02")
def test_nir_key() -> None:
    bad_key = _doc(_set(INS, "extension", "238047505612395"))
    assert "expected 94" in fails(run_cda(bad_key), "DMP-I02")[0].message_en
    corsica = patient("resident-corsica")["ins"]  # 2A department: 2A -> 19 in the key computation
    assert verdicts(run_cda(_doc(_set(INS, "extension", corsica))), "DMP-I02") == {Verdict.PASS}
    nia = _doc(_set(INS, "root", "1.2.250.1.213.1.4.9"))
    assert verdicts(run_cda(nia), "DMP-I02") == {Verdict.NOT_APPLICABLE}


@pytest.mark.requirements("DMP-I02")
def test_official_negative_example_value_fails() -> None:
    """specs/dmp.md: CSE-MDE's INS 222127505611201 has key 01, the computed key is 47."""
    failed = fails(run_cda(_doc(_set(INS, "extension", "222127505611201"))), "DMP-I02")
    assert "expected 47" in failed[0].message_en


@pytest.mark.requirements("DMP-I03")
@pytest.mark.parametrize(
    "mutate,fragment",
    [
        pytest.param(_drop(PATIENT + "/cda:name/cda:family[@qualifier='BR']"), "family@BR", id="family-br"),
        pytest.param(_drop(PATIENT + "/cda:name/cda:given[@qualifier='BR']"), "given@BR", id="given-br"),
        pytest.param(_drop(PATIENT + "/cda:name/cda:given[not(@qualifier)]"), "without qualifier", id="given-list"),
        pytest.param(_set(PATIENT + "/cda:birthTime", "value", ""), "birthTime", id="birth-time"),
        pytest.param(_drop(PATIENT + "/cda:birthplace"), "COG", id="no-birthplace"),
        pytest.param(_text(PATIENT + "/cda:birthplace/cda:place/cda:addr/cda:county", "Paris"), "COG", id="county"),
        pytest.param(_set(PATIENT + "/cda:administrativeGenderCode", "code", "U"), "F, M or UN", id="gender"),
    ],
)
def test_missing_ins_trait_fails(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    failed = fails(run_cda(_doc(mutate)), "DMP-I03")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]


@pytest.mark.requirements("DMP-I04")
def test_only_a_qualified_identity_feeds_the_dmp() -> None:
    qualified = patient("resident-qualified")
    assert verdicts(run_cda(_doc(), CheckContext(patient=qualified)), "DMP-I04") == {Verdict.PASS}
    unqualified = dict(qualified, qualified=False)
    assert "not qualified" in fails(run_cda(_doc(), CheckContext(patient=unqualified)), "DMP-I04")[0].message_en
    assert verdicts(run_cda(_doc()), "DMP-I04") == {Verdict.NOT_APPLICABLE}


@pytest.mark.requirements("DMP-I05")
@pytest.mark.parametrize(
    "mutate,fragment",
    [
        pytest.param(
            _text(PATIENT + "/cda:name/cda:given[@qualifier='BR']", "LOUISE"),
            "first birth given name",
            id="given-br-not-first",
        ),
        pytest.param(
            _text(PATIENT + "/cda:name/cda:family[@qualifier='BR']", "Martin-Essai"),
            "uppercase",
            id="family-lowercase",
        ),
        pytest.param(
            _text(PATIENT + "/cda:name/cda:family[@qualifier='BR']", "MARTIN-ESSAÏ"),
            "diacritics",
            id="family-diacritics",
        ),
    ],
)
def test_insi_form(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    failed = fails(run_cda(_doc(mutate)), "DMP-I05")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]
