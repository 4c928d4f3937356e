"""Coded DMP metadata against value sets: DMP-X02 (contentType), X05, X06, X07, X08, X09, X11."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.model import Verdict
from conformance.socles.dmp.checks import xds_codes

from . import helpers as b
from .helpers import fails, verdicts
from .test_xds_metadata import DOC, DOC_AUTHOR, SS, Mutation, _cl, _value, _x, run

CONTENT = _cl(SS, "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500")


def _code(path: str, code: str, scheme: str | None = None) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _x(root, path).set("nodeRepresentation", code)
        if scheme is not None:
            _x(root, path + "/rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value").text = scheme

    return mutate


def _add_conf(code: str, scheme: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        b.classification(
            _x(root, DOC), b.DE["confidentialityCode"], "Document01", code, scheme, code, f"cl-extra-{code}"
        )

    return mutate


@pytest.mark.requirements("DMP-X02", "DMP-X05", "DMP-X07", "DMP-X08", "DMP-X09", "DMP-X11")
def test_good_codes_pass() -> None:
    found = run()
    for req in ("DMP-X02", "DMP-X07", "DMP-X08", "DMP-X09", "DMP-X11"):
        assert verdicts(found, req) == {Verdict.PASS}, req
    # J66 (typeCode DMP) is not published: said so, never counted as a pass of that part
    assert verdicts(found, "DMP-X05") == {Verdict.PASS, Verdict.NOT_APPLICABLE}


@pytest.mark.requirements("DMP-X06")
def test_class_code_passes_value_set_but_warns_for_missing_ass_x04() -> None:
    found = [f for f in run() if f.requirement == "DMP-X06"]
    assert {f.verdict for f in found} == {Verdict.WARN}  # value set met; the warning keeps the pass from showing
    assert all("ASS_X04" in f.message_en for f in found)


BAD = [
    ("content-not-j59", _code(CONTENT, "99"), "DMP-X02", "JDV_J59"),
    ("content-scheme", _code(CONTENT, "11", "1.2.3.4"), "DMP-X02", "codingScheme"),
    ("type-not-j07", _code(_cl(DOC, b.DE["typeCode"]), "11111-1"), "DMP-X05", "JDV_J07"),
    (
        "type-scheme",
        _code(_cl(DOC, b.DE["typeCode"]), "11506-3", "2.16.840.1.113883.6.96"),
        "DMP-X05",
        "codingScheme",
    ),
    ("class-not-j57", _code(_cl(DOC, b.DE["classCode"]), "99"), "DMP-X06", "JDV_J57"),
    (
        "class-scheme",
        _code(_cl(DOC, b.DE["classCode"]), "11", "1.2.250.1.213.1.1.4.12"),
        "DMP-X06",
        "codingScheme",
    ),
    (
        "format-not-j60",
        _code(_cl(DOC, b.DE["formatCode"]), "urn:ihe:iti:xds-sd:word:2008"),
        "DMP-X07",
        "JDV_J60",
    ),
    (
        "format-scheme",
        _code(_cl(DOC, b.DE["formatCode"]), "urn:ihe:iti:xds-sd:pdf:2008", "2.16.840.1.113883.6.1"),
        "DMP-X07",
        "codingScheme",
    ),
    ("two-hl7-conf", _add_conf("R", "2.16.840.1.113883.5.25"), "DMP-X08", "2 HL7 confidentiality codes"),
    ("unknown-conf", _add_conf("SECRET", "1.2.250.1.213.1.1.4.13"), "DMP-X08", "neither N/R/V"),
    (
        "five-conf",
        lambda r: [
            _add_conf(c, "1.2.250.1.213.1.1.4.13")(r)
            for c in ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX", "MASQUE_PS")
        ],
        "DMP-X08",
        "at most 4",
    ),
    (
        "no-hl7-conf",
        _code(_cl(DOC, b.DE["confidentialityCode"]), "MASQUE_PS", "1.2.250.1.213.1.1.4.13"),
        "DMP-X08",
        "0 HL7",
    ),
    ("facility-not-j61", _code(_cl(DOC, b.DE["healthcareFacilityTypeCode"]), "SA66"), "DMP-X09", "JDV_J61"),
    (
        "facility-scheme",
        _code(_cl(DOC, b.DE["healthcareFacilityTypeCode"]), "SA17", "1.2.250.1.213.1.1.4.9"),
        "DMP-X09",
        "codingScheme",
    ),
    ("practice-not-j04", _code(_cl(DOC, b.DE["practiceSettingCode"]), "EHPAD"), "DMP-X09", "JDV_J04"),
    ("specialty-format", _value(DOC_AUTHOR, "authorSpecialty", "G15_60"), "DMP-X11", "code^display^OID"),
    (
        "specialty-not-j01",
        _value(DOC_AUTHOR, "authorSpecialty", "G15_99^Inconnu^1.2.250.1.213.1.1.4.5"),
        "DMP-X11",
        "JDV_J01",
    ),
]


@pytest.mark.parametrize(
    "mutate,req,fragment",
    [pytest.param(m, r, f, id=i, marks=pytest.mark.requirements(r)) for i, m, r, f in BAD],
)
def test_code_defect_fails(mutate: Mutation, req: str, fragment: str) -> None:
    failed = fails(run(mutate), req)
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in fails(run(mutate))]


@pytest.mark.requirements("DMP-X02")
def test_content_type_from_a_newer_code_system_of_j59_is_accepted() -> None:
    """J59 (20240927) lists TRE_R276 FormeActivite codes, a system the PDSm invariant does not name."""
    found = run(_code(CONTENT, "05", "1.2.250.1.213.1.6.1.128"))
    assert verdicts(found, "DMP-X02") == {Verdict.PASS}


@pytest.mark.requirements("DMP-X08")
def test_visibility_codes_are_accepted() -> None:
    found = run(_add_conf("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"))
    assert verdicts(found, "DMP-X08") == {Verdict.PASS}


@pytest.mark.requirements("DMP-X05", "DMP-X07", "DMP-X09")
@pytest.mark.parametrize(
    "const,req", [("TYPE_CODE", "DMP-X05"), ("FORMAT_CODE", "DMP-X07"), ("FACILITY_XDS", "DMP-X09")]
)
def test_missing_value_set_warns(monkeypatch: pytest.MonkeyPatch, const: str, req: str) -> None:
    monkeypatch.setattr(xds_codes, const, ("JDV_NOT_SHIPPED",))
    warned = [f for f in run() if f.requirement == req and f.verdict is Verdict.WARN]
    assert warned and "value set not available (JDV_NOT_SHIPPED)" in warned[0].message_en


@pytest.mark.requirements("DMP-X05")
def test_j66_is_used_when_available(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xds_codes, "TYPE_CODE_DMP", ("JDV_J57_ClassCode_DMP",))  # any set without 11506-3
    assert "typeCode (DMP)" in fails(run(), "DMP-X05")[0].message_en


@pytest.mark.requirements("DMP-X05", "DMP-X06", "DMP-X07")
def test_signature_entry_is_not_judged_by_cda_value_sets() -> None:
    """Its E1762 / Digital Signature / xmldsig# codes are DMP-S01's business."""
    assert not [f for f in run() if "Signature01" in f.location and f.verdict is not Verdict.PASS]
