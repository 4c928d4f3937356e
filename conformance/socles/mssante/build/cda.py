"""A CDA R2 niveau 1 document: the CI-SIS header ("structuration minimale") around a base64 PDF.

Element order and content follow the CI-SIS header schematron and the ANS N1 example
(specs/dmp.md §3): realmCode FR, typeId POCD_HD000040, the three templateIds of a generic N1
document (HL7 France, CI-SIS, IHE XDS-SD which replaces the volet's), then id, code (J07),
title, effectiveTime, confidentialityCode, languageCode, setId, versionNumber, recordTarget with
the INS and its traits, author, custodian, legalAuthenticator, documentationOf/serviceEvent,
componentOf/encompassingEncounter and the nonXMLBody.

An identity that is not qualified is never written under an INS OID: the document then carries
the local record number only (the MSSanté INS derogation), and the e-mail says X-MSS-INS: N.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from .inputs import OID_PS, OID_STRUCTURE, Coded, DocumentRequest, Organisation, Patient, Professional

HL7 = "urn:hl7-org:v3"
TEMPLATE_HL7_FRANCE = "2.16.840.1.113883.2.8.2.1"
TEMPLATE_CI_SIS = "1.2.250.1.213.1.1.1.1"
TEMPLATE_XDS_SD = "1.3.6.1.4.1.19376.1.2.20"
CONFIDENTIALITY = "2.16.840.1.113883.5.25"
GENDER = "2.16.840.1.113883.5.1"
_GENDER_DISPLAY = {"F": "Féminin", "M": "Masculin", "U": "Inconnu"}


@dataclass(frozen=True)
class CdaIds:
    """Identifiers of one document version (id and setId are equal for version 1)."""

    document: str  # OID root of ClinicalDocument/id
    set_id: str


def hl7_ts(moment: datetime) -> str:
    """YYYYMMDDhhmmss+zzzz, the precision and form of the ANS examples."""
    return moment.strftime("%Y%m%d%H%M%S%z")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{HL7}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _coded(parent: etree._Element, tag: str, c: Coded) -> etree._Element:
    return _el(parent, tag, code=c.code, displayName=c.display, codeSystem=c.system)


def _person(parent: etree._Element, tag: str, who: Professional) -> None:
    name = _el(_el(parent, tag), "name")
    _el(name, "given", who.given)
    _el(name, "family", who.family)
    _el(name, "suffix", who.prefix)


def _organisation(parent: etree._Element, tag: str, org: Organisation, *, setting: bool) -> None:
    el = _el(parent, tag)
    _el(el, "id", root=OID_STRUCTURE, extension=org.struct_id)
    _el(el, "name", org.name)
    if setting:
        _coded(el, "standardIndustryClassCode", org.practice_setting)


def patient_ids(patient: Patient, org: Organisation) -> list[tuple[str, str]]:
    """recordTarget ids: the INS only when the identity is qualified, then the local record number."""
    ids = [(patient.ins_oid, patient.ins)] if patient.qualified else []
    if patient.record_id:
        ids.append((org.ipp_root, patient.record_id))
    return ids


def _record_target(root: etree._Element, patient: Patient, org: Organisation) -> None:
    role = _el(_el(root, "recordTarget"), "patientRole")
    for oid, ext in patient_ids(patient, org):
        _el(role, "id", root=oid, extension=ext)
    pat = _el(role, "patient", classCode="PSN")
    name = _el(pat, "name")
    _el(name, "family", patient.birth_name, qualifier="BR")
    _el(name, "given", " ".join(patient.given_names))
    _el(name, "given", patient.first_given, qualifier="BR")
    _el(
        pat,
        "administrativeGenderCode",
        code=patient.sex,
        displayName=_GENDER_DISPLAY.get(patient.sex, ""),
        codeSystem=GENDER,
    )
    _el(pat, "birthTime", value=patient.birth_date.strftime("%Y%m%d"))
    if patient.birth_place:
        _el(_el(_el(_el(pat, "birthplace"), "place"), "addr"), "county", patient.birth_place)


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_cda(
    patient: Patient,
    doc: DocumentRequest,
    pdf: bytes,
    *,
    author: Professional,
    org: Organisation,
    ids: CdaIds,
    created: datetime,
) -> etree._Element:
    """The CDA N1 tree wrapping `pdf` (`serialize` gives its bytes).

    A tree rather than bytes: the sender computes metadata from this very tree, without parsing
    back a body that may be larger than a hardened parser accepts (size tests)."""
    when = hl7_ts(created)
    root = etree.Element(f"{{{HL7}}}ClinicalDocument", nsmap={None: HL7})
    _el(root, "realmCode", code="FR")
    _el(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    for template in (TEMPLATE_HL7_FRANCE, TEMPLATE_CI_SIS, TEMPLATE_XDS_SD):
        _el(root, "templateId", root=template)
    _el(root, "id", root=ids.document)
    _el(root, "code", code=doc.type_code, displayName=doc.type_display, codeSystem=doc.type_system)
    _el(root, "title", doc.title)
    _el(root, "effectiveTime", value=when)
    _el(root, "confidentialityCode", code="N", displayName="Normal", codeSystem=CONFIDENTIALITY)
    _el(root, "languageCode", code="fr-FR")
    _el(root, "setId", root=ids.set_id)
    _el(root, "versionNumber", value="1")
    _record_target(root, patient, org)

    author_el = _el(root, "author")
    _el(author_el, "time", value=when)
    assigned = _el(author_el, "assignedAuthor")
    _el(assigned, "id", root=OID_PS, extension=author.national_id)
    _coded(assigned, "code", author.specialty)
    _person(assigned, "assignedPerson", author)
    _organisation(assigned, "representedOrganization", org, setting=True)

    custodian = _el(_el(root, "custodian"), "assignedCustodian")
    _organisation(custodian, "representedCustodianOrganization", org, setting=False)

    legal = _el(root, "legalAuthenticator")
    _el(legal, "time", value=when)
    _el(legal, "signatureCode", code="S")
    entity = _el(legal, "assignedEntity")
    _el(entity, "id", root=OID_PS, extension=author.national_id)
    _person(entity, "assignedPerson", author)

    event = _el(_el(root, "documentationOf"), "serviceEvent")
    _el(_el(event, "effectiveTime"), "low", value=doc.service_date.strftime("%Y%m%d"))
    performer = _el(_el(event, "performer", typeCode="PRF"), "assignedEntity")
    _el(performer, "id", root=OID_PS, extension=author.national_id)
    _person(performer, "assignedPerson", author)
    _organisation(performer, "representedOrganization", org, setting=True)

    encounter = _el(_el(root, "componentOf"), "encompassingEncounter")
    _el(_el(encounter, "effectiveTime"), "low", value=doc.service_date.strftime("%Y%m%d"))
    facility = _el(_el(encounter, "location"), "healthCareFacility")
    _el(facility, "id", root=OID_STRUCTURE, extension=org.struct_id)
    _coded(facility, "code", org.facility_type)

    body = _el(_el(root, "component"), "nonXMLBody")
    _el(body, "text", base64.b64encode(pdf).decode("ascii"), mediaType="application/pdf", representation="B64")
    return root
