"""DMP-C02: the CI-SIS structuration minimale of the CDA header, document-level elements."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from conformance.model import Verdict
from conformance.socles.dmp.checks import cda_header

from . import helpers as b
from .helpers import fails, run_cda, verdicts

Mutation = Callable[[etree._Element], None]


def _x(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=b.NS)
    assert found, path
    return found[0]


def _drop(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _x(root, path)
        el.getparent().remove(el)

    return mutate


def _set(path: str, attr: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _x(root, path).set(attr, value)

    return mutate


def _text(path: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _x(root, path).text = value

    return mutate


def _dup(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _x(root, path)
        el.addnext(etree.fromstring(etree.tostring(el)))

    return mutate


PATIENT = "/cda:ClinicalDocument/cda:recordTarget/cda:patientRole/cda:patient"
BAD = [
    ("realm-missing", _drop("cda:realmCode"), "realmCode"),
    ("realm-not-fr", _set("cda:realmCode", "code", "UV"), "realmCode"),
    ("typeid-wrong", _set("cda:typeId", "extension", "POCD_HD000041"), "typeId"),
    (
        "template-hl7fr-missing",
        _drop("cda:templateId[@root='2.16.840.1.113883.2.8.2.1']"),
        "2.16.840.1.113883.2.8.2.1",
    ),
    ("template-cisis-twice", _dup("cda:templateId[@root='1.2.250.1.213.1.1.1.1']"), "1.2.250.1.213.1.1.1.1"),
    ("no-volet-template", _drop("cda:templateId[@root='1.3.6.1.4.1.19376.1.2.20']"), "volet"),
    ("id-missing", _drop("cda:id"), "ClinicalDocument/id is missing"),
    ("id-root-bad", _set("cda:id", "root", "not an oid!"), "OID, UUID or ruid"),
    ("code-not-in-j07", _set("cda:code", "code", "99999-9"), "JDV_J07"),
    ("code-no-display", lambda r: _x(r, "cda:code").attrib.pop("displayName"), "displayName"),
    ("title-empty", _text("cda:title", "  "), "title is empty"),
    ("title-twice", _dup("cda:title"), "occurs 2 times"),
    ("effective-time-bad", _set("cda:effectiveTime", "value", "2026-11-23"), "effectiveTime"),
    ("effective-time-date", _set("cda:effectiveTime", "value", "20261341"), "calendar"),
    ("confidentiality-bad", _set("cda:confidentialityCode", "code", "U"), "confidentialityCode"),
    ("language-bad", _set("cda:languageCode", "code", "french"), "languageCode"),
    ("setid-missing", _drop("cda:setId"), "setId"),
    ("version-zero", _set("cda:versionNumber", "value", "0"), "versionNumber"),
    ("record-target-twice", _dup("cda:recordTarget"), "recordTarget"),
    (
        "patient-id-no-ext",
        lambda r: _x(r, "cda:recordTarget/cda:patientRole/cda:id[2]").attrib.pop("extension"),
        "@root and @extension",
    ),
    ("family-qualifier", _set(PATIENT + "/cda:name/cda:family", "qualifier", "XX"), "family qualifier"),
    ("given-qualifier", _set(PATIENT + "/cda:name/cda:given[2]", "qualifier", "SP"), "given qualifier"),
    ("birth-time-missing", _drop(PATIENT + "/cda:birthTime"), "birthTime"),
    ("gender-not-in-j143", _set(PATIENT + "/cda:administrativeGenderCode", "code", "X"), "JDV_J143"),
]


@pytest.mark.requirements("DMP-C02")
def test_good_header_passes() -> None:
    found = run_cda(b.to_bytes(b.cda_root()))
    assert not fails(found)
    assert verdicts(found, "DMP-C02") == {Verdict.PASS}


@pytest.mark.requirements("DMP-C02")
@pytest.mark.parametrize("mutate,fragment", [pytest.param(m, f, id=i) for i, m, f in BAD])
def test_header_defect_fails(mutate: Mutation, fragment: str) -> None:
    root = b.cda_root()
    mutate(root)
    failed = fails(run_cda(b.to_bytes(root)), "DMP-C02")
    assert failed, "the defect was not caught"
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]
    assert all(f.message_fr and f.location.startswith("/") for f in failed)


@pytest.mark.requirements("DMP-C02")
def test_location_is_a_prefixed_xpath() -> None:
    root = b.cda_root()
    _set("cda:recordTarget/cda:patientRole/cda:id[2]", "extension", "")(root)
    failed = fails(run_cda(b.to_bytes(root)), "DMP-C02")
    assert failed[0].location == "/cda:ClinicalDocument/cda:recordTarget/cda:patientRole/cda:id[2]"


@pytest.mark.requirements("DMP-C02")
def test_effective_time_without_offset_warns() -> None:
    root = b.cda_root()
    _set("cda:effectiveTime", "value", "20261123101500")(root)
    found = run_cda(b.to_bytes(root))
    assert verdicts(found, "DMP-C02") == {Verdict.WARN}


@pytest.mark.requirements("DMP-C02")
def test_missing_value_set_warns_never_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cda_header, "TYPE_CODE", ("JDV_NOT_SHIPPED",))
    found = run_cda(b.to_bytes(b.cda_root()))
    warned = [f for f in found if f.requirement == "DMP-C02" and f.verdict is Verdict.WARN]
    assert warned and "value set not available" in warned[0].message_en
    assert "jeu de valeurs non disponible" in warned[0].message_fr


@pytest.mark.requirements("DMP-C02")
@pytest.mark.parametrize(
    "data",
    [
        b"<ClinicalDocument xmlns='urn:hl7-org:v3'><unclosed></ClinicalDocument>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><d>&b;</d>',
        b"<html><body>not a CDA</body></html>",
        b"",
        b"<a>" * 300 + b"</a>" * 300,
    ],
    ids=["malformed", "entities", "not-cda", "empty", "deep"],
)
def test_hostile_or_foreign_input_fails_the_structural_rule(data: bytes) -> None:
    found = run_cda(data)
    assert [f.requirement for f in found] == ["DMP-C02"]
    assert found[0].verdict is Verdict.FAIL and found[0].location == "/"


@pytest.mark.requirements("DMP-C02")
def test_self_presentable_cda_is_checked_inside_its_stylesheet() -> None:
    xsl = "http://www.w3.org/1999/XSL/Transform"
    sheet = etree.Element(f"{{{xsl}}}stylesheet", nsmap={"xsl": xsl}, version="1.0")
    holder = etree.SubElement(sheet, "{urn:asip-sante:ci-sis}Contenu")
    doc = b.cda_root()
    holder.append(doc)
    assert not fails(run_cda(b.to_bytes(sheet)))
    _drop("cda:title")(doc)
    failed = fails(run_cda(b.to_bytes(sheet)), "DMP-C02")
    assert failed[0].location.startswith("/xsl:stylesheet/data:Contenu/cda:ClinicalDocument")
