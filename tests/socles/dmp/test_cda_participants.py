"""DMP-C07 author, DMP-C08 custodian, and the participant parts of DMP-C02 (legalAuthenticator,
documentationOf/serviceEvent, componentOf/encompassingEncounter, relatedDocument)."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.model import Verdict

from . import helpers as b
from .helpers import fails, run_cda, verdicts
from .test_cda_header import Mutation, _drop, _dup, _set, _x

AUTHOR = "cda:author/cda:assignedAuthor"
EVENT = "cda:documentationOf/cda:serviceEvent"
FACILITY = "cda:componentOf/cda:encompassingEncounter/cda:location/cda:healthCareFacility"


def _device(root: etree._Element) -> None:
    """Turn the person author into a software author (the DUI itself)."""
    assigned = _x(root, AUTHOR)
    assigned.remove(_x(root, AUTHOR + "/cda:assignedPerson"))
    device = etree.Element(f"{{{b.HL7}}}assignedAuthoringDevice")
    etree.SubElement(device, f"{{{b.HL7}}}manufacturerModelName").text = "DUI-ESSAI"
    etree.SubElement(device, f"{{{b.HL7}}}softwareName").text = "DUI-ESSAI 4.2"
    _x(root, AUTHOR + "/cda:code").addnext(device)
    _x(root, AUTHOR + "/cda:code").set("code", "LOGICIEL_DUI")
    _x(root, AUTHOR + "/cda:code").set("codeSystem", "1.2.250.1.213.1.1.4.6")


C07_BAD = [
    ("time-missing", _drop("cda:author/cda:time"), "author/time"),
    ("time-bad", _set("cda:author/cda:time", "value", "yesterday"), "not a CDA TS"),
    ("id-missing", _drop(AUTHOR + "/cda:id"), "assignedAuthor/id"),
    ("person-root", _set(AUTHOR + "/cda:id", "root", "1.2.3.4"), "expected 1.2.250.1.71.4.2.1"),
    ("no-name", _drop(AUTHOR + "/cda:assignedPerson"), "assignedAuthoringDevice"),
    (
        "org-root",
        _set(AUTHOR + "/cda:representedOrganization/cda:id", "root", "1.2.3"),
        "representedOrganization/id",
    ),
    (
        "org-no-ext",
        lambda r: _x(r, AUTHOR + "/cda:representedOrganization/cda:id").attrib.pop("extension"),
        "representedOrganization/id",
    ),
    ("specialty-not-in-j01", _set(AUTHOR + "/cda:code", "code", "G15_99"), "JDV_J01"),
    (
        "device-no-software",
        lambda r: (_device(r), _drop(AUTHOR + "/cda:assignedAuthoringDevice/cda:softwareName")(r)),
        "softwareName",
    ),
]
C02_BAD = [
    ("no-author", _drop("cda:author"), "no author"),
    ("custodian-twice", _dup("cda:custodian"), "custodian"),
    ("legal-missing", _drop("cda:legalAuthenticator"), "legalAuthenticator must occur"),
    ("legal-signature", _set("cda:legalAuthenticator/cda:signatureCode", "code", "X"), "signatureCode"),
    ("legal-time", _drop("cda:legalAuthenticator/cda:time"), "legalAuthenticator/time"),
    ("legal-id", _drop("cda:legalAuthenticator/cda:assignedEntity/cda:id"), "assignedEntity/id"),
    ("event-missing", _drop("cda:documentationOf"), "serviceEvent is missing"),
    ("event-no-low", _drop(EVENT + "/cda:effectiveTime/cda:low"), "low"),
    ("event-two-performers", _dup(EVENT + "/cda:performer"), "exactly one performer"),
    ("performer-not-prf", _set(EVENT + "/cda:performer", "typeCode", "SPRF"), "performer typeCode PRF"),
    (
        "performer-no-family",
        _drop(EVENT + "/cda:performer/cda:assignedEntity/cda:assignedPerson/cda:name/cda:family"),
        "family",
    ),
    (
        "performer-no-sic",
        _drop(EVENT + "/cda:performer/cda:assignedEntity/cda:representedOrganization/cda:standardIndustryClassCode"),
        "standardIndustryClassCode",
    ),
    (
        "performer-sic-not-j04",
        _set(
            EVENT + "/cda:performer/cda:assignedEntity/cda:representedOrganization/cda:standardIndustryClassCode",
            "code",
            "CLINIQUE",
        ),
        "JDV_J04",
    ),
    ("encounter-missing", _drop("cda:componentOf"), "encompassingEncounter"),
    (
        "encounter-no-time",
        _drop("cda:componentOf/cda:encompassingEncounter/cda:effectiveTime"),
        "effectiveTime",
    ),
    ("facility-no-code", _drop(FACILITY + "/cda:code"), "healthCareFacility/code"),
    ("facility-not-j02", _set(FACILITY + "/cda:code", "code", "SA99"), "JDV_J02"),
    ("component-twice", _dup("cda:component"), "component"),
]


@pytest.mark.requirements("DMP-C07")
@pytest.mark.parametrize("mutate,fragment", [pytest.param(m, f, id=i) for i, m, f in C07_BAD])
def test_author_defect_fails(mutate: Mutation, fragment: str) -> None:
    root = b.cda_root()
    mutate(root)
    failed = fails(run_cda(b.to_bytes(root)), "DMP-C07")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]


@pytest.mark.requirements("DMP-C07")
def test_good_authors_pass_person_and_device() -> None:
    assert verdicts(run_cda(b.to_bytes(b.cda_root())), "DMP-C07") == {Verdict.PASS}
    root = b.cda_root()
    _device(root)
    assert verdicts(run_cda(b.to_bytes(root)), "DMP-C07") == {Verdict.PASS}


@pytest.mark.requirements("DMP-C07")
def test_author_without_organization_is_allowed() -> None:
    """Official examples (SDM-MR, TLM-DA) carry no author representedOrganization: 0..1."""
    root = b.cda_root()
    _drop(AUTHOR + "/cda:representedOrganization")(root)
    assert verdicts(run_cda(b.to_bytes(root)), "DMP-C07") == {Verdict.PASS}


@pytest.mark.requirements("DMP-C08")
@pytest.mark.parametrize(
    "root_oid,ok",
    [
        ("1.2.250.1.71.4.2.2", True),
        ("1.2.250.1.213.4.1", True),
        ("1.2.250.1.71.4.2.1", False),
        ("2.25.1", False),
    ],
)
def test_custodian_root(root_oid: str, ok: bool) -> None:
    root = b.cda_root()
    _set("cda:custodian/cda:assignedCustodian/cda:representedCustodianOrganization/cda:id", "root", root_oid)(root)
    assert verdicts(run_cda(b.to_bytes(root)), "DMP-C08") == ({Verdict.PASS} if ok else {Verdict.FAIL})


@pytest.mark.requirements("DMP-C08")
def test_custodian_without_id_fails() -> None:
    root = b.cda_root()
    _drop("cda:custodian/cda:assignedCustodian/cda:representedCustodianOrganization/cda:id")(root)
    assert verdicts(run_cda(b.to_bytes(root)), "DMP-C08") == {Verdict.FAIL}


@pytest.mark.requirements("DMP-C02")
@pytest.mark.parametrize("mutate,fragment", [pytest.param(m, f, id=i) for i, m, f in C02_BAD])
def test_participant_defect_fails(mutate: Mutation, fragment: str) -> None:
    root = b.cda_root()
    mutate(root)
    failed = fails(run_cda(b.to_bytes(root)), "DMP-C02")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]


@pytest.mark.requirements("DMP-C02")
def test_replacement_needs_parent_document_id() -> None:
    root = b.cda_root()
    rel = etree.Element(f"{{{b.HL7}}}relatedDocument", typeCode="RPLC")
    parent = etree.SubElement(rel, f"{{{b.HL7}}}parentDocument")
    _x(root, "cda:documentationOf").addnext(rel)
    assert "parentDocument/id" in fails(run_cda(b.to_bytes(root)), "DMP-C02")[0].message_en
    etree.SubElement(parent, f"{{{b.HL7}}}id", root=b.DOC_ROOT + ".7")
    assert not fails(run_cda(b.to_bytes(root)), "DMP-C02")
