"""The reference CDA N1: the CI-SIS header around the PDF, read back with the hardened parser."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from conformance import identities
from conformance.formats.ins import INS_OIDS
from conformance.formats.xmlsafe import parse_xml
from conformance.socles.mssante.build.cda import HL7, TEMPLATE_CI_SIS, TEMPLATE_HL7_FRANCE, TEMPLATE_XDS_SD
from conformance.socles.mssante.build.documents import BuiltDocument, build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    LOINC,
    REFERENCE,
    TRE_A05,
    BuildEnv,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.metadata import read_header

NS = {"h": HL7}
LETTRE = DocumentRequest(
    "11490-0",
    "Lettre de liaison à la sortie d'un établissement de soins",
    "Lettre de liaison",
    date(2026, 11, 20),
)


def _doc(key: str = "resident-qualified", request: DocumentRequest = LETTRE) -> BuiltDocument:
    return build_document(
        Patient.from_identity(identities.patient(key)),
        request,
        author=EHPAD_DOCTOR,
        org=EHPAD,
        env=BuildEnv.fixed(7),
        deviations=REFERENCE,
    )


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and len(found) == 1, path
    el = found[0]
    assert isinstance(el, etree._Element)
    return el


@pytest.mark.requirements("MSS-DOC-01", "MSS-XDM-04")
def test_header_of_a_qualified_usager() -> None:
    doc = _doc()
    root = parse_xml(doc.cda)
    assert _one(root, "h:realmCode").get("code") == "FR"
    assert _one(root, "h:typeId").attrib == {"root": "2.16.840.1.113883.1.3", "extension": "POCD_HD000040"}
    assert [t.get("root") for t in root.xpath("h:templateId", namespaces=NS)] == [
        TEMPLATE_HL7_FRANCE,
        TEMPLATE_CI_SIS,
        TEMPLATE_XDS_SD,
    ]
    assert _one(root, "h:id").get("root", "").startswith("2.25.")
    assert _one(root, "h:setId").get("root") != _one(root, "h:id").get("root")
    code = _one(root, "h:code")
    assert (code.get("code"), code.get("codeSystem")) == ("11490-0", LOINC)
    assert code.get("displayName") == LETTRE.type_display
    assert _one(root, "h:title").text == "Lettre de liaison"
    assert _one(root, "h:effectiveTime").get("value") == "20261120093000+0000"
    conf = _one(root, "h:confidentialityCode")
    assert (conf.get("code"), conf.get("codeSystem")) == ("N", "2.16.840.1.113883.5.25")
    assert _one(root, "h:languageCode").get("code") == "fr-FR"
    assert _one(root, "h:versionNumber").get("value") == "1"
    role = _one(root, "h:recordTarget/h:patientRole")
    ids = [(i.get("root"), i.get("extension")) for i in role.xpath("h:id", namespaces=NS)]
    assert ids == [("1.2.250.1.213.1.4.10", "238047505612394"), (EHPAD.ipp_root, "EHPAD-0001")]
    name = _one(role, "h:patient/h:name")
    assert _one(name, "h:family[@qualifier='BR']").text == "MARTIN-ESSAI"
    assert _one(name, "h:given[@qualifier='BR']").text == "Jeanne"
    assert _one(name, "h:given[not(@qualifier)]").text == "Jeanne Louise"
    assert _one(role, "h:patient/h:administrativeGenderCode").get("code") == "F"
    assert _one(role, "h:patient/h:birthTime").get("value") == "19380412"
    assert _one(role, "h:patient/h:birthplace/h:place/h:addr/h:county").text == "75056"


def test_participants_and_body() -> None:
    doc = _doc()
    root = parse_xml(doc.cda)
    author = _one(root, "h:author/h:assignedAuthor")
    assert _one(author, "h:id").attrib == {"root": "1.2.250.1.71.4.2.1", "extension": "810000000002"}
    assert _one(author, "h:representedOrganization/h:id").get("extension") == EHPAD.struct_id
    assert _one(root, "h:custodian//h:representedCustodianOrganization/h:id").get("root") == "1.2.250.1.71.4.2.2"
    assert _one(root, "h:legalAuthenticator/h:signatureCode").get("code") == "S"
    assert _one(root, "h:documentationOf/h:serviceEvent/h:effectiveTime/h:low").get("value") == "20261120"
    assert _one(root, "h:documentationOf//h:performer").get("typeCode") == "PRF"
    assert _one(root, "h:documentationOf//h:standardIndustryClassCode").get("code") == "ESSMS"
    facility = _one(root, "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code")
    assert (facility.get("code"), facility.get("codeSystem")) == ("SA17", "1.2.250.1.71.4.2.4")
    text = _one(root, "h:component/h:nonXMLBody/h:text")
    assert (text.get("mediaType"), text.get("representation")) == ("application/pdf", "B64")
    assert base64.b64decode(text.text or "") == doc.pdf  # the PDF copy is the embedded PDF (ECO.2.1.5)


@pytest.mark.requirements("MSS-DOC-06")
def test_unqualified_identity_is_never_written_under_an_ins_oid() -> None:
    doc = _doc("resident-unqualified")
    root = parse_xml(doc.cda)
    roots = [i.get("root") for i in root.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS)]
    assert roots == [EHPAD.ipp_root] and not set(roots) & set(INS_OIDS)
    assert doc.header.ins is None and not doc.header.qualified_ins
    assert _doc().header.qualified_ins


def test_header_read_back_equals_the_built_tree() -> None:
    doc = _doc()
    again = read_header(doc.cda)
    assert again == doc.header
    assert again.code.code == "11490-0" and again.service_start == "20261120"
    assert again.facility_type is not None and again.facility_type.code == "SA17"
    assert again.practice_setting is not None and again.practice_setting.code == "ESSMS"
    assert again.media_type == "application/pdf"


def test_non_loinc_types_use_tre_a05() -> None:
    request = DocumentRequest(
        "BIL_AUTO", "CR de bilan d'évaluation de la perte d'autonomie", "Bilan", date(2026, 11, 2)
    )
    assert request.type_system == TRE_A05 and LETTRE.type_system == LOINC
    assert _doc(request=request).header.code.system == TRE_A05


def test_reproducible_with_a_fixed_environment() -> None:
    assert _doc().cda == _doc().cda


def test_header_order_follows_the_ans_n1_example(corpus: Path) -> None:
    """Same top-level element order as ANS's generic N1 example (participants we do not write aside)."""
    example = parse_xml((corpus / "cda" / "DOC_NON_STRUCTURE_CDA-R2-N1.xml").read_bytes())
    ours = parse_xml(_doc().cda)

    def order(root: etree._Element) -> list[str]:
        names = [etree.QName(c).localname for c in root if isinstance(c.tag, str)]
        return [n for i, n in enumerate(names) if n != "participant" and (i == 0 or names[i - 1] != n)]

    assert order(ours) == order(example)
