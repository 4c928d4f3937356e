"""CDA R2 documents a DUI feeds to the DMP: an N1 (PDF body) or a DLU header with its sections.

Built with lxml from the synthetic identity the harness configured. `CdaFlaws` switches one
departure each, for the seeded defects of the reference DUI; the default builds a conformant
document (the same shape the DMP checks' tests use as their good fixture).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from lxml import etree

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DLU_SECTIONS = (
    "1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10",
    "1.3.6.1.4.1.19376.1.5.3.1.3.19",
    "1.3.6.1.4.1.19376.1.5.3.1.3.35",
    "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
    "1.3.6.1.4.1.19376.1.5.3.1.3.28",
    "1.2.250.1.213.1.1.2.37",
)


@dataclass(frozen=True)
class CdaFlaws:
    realm: bool = True  # realmCode FR (DMP-C02)
    representation: str = "B64"  # N1 body text representation (DMP-C04)
    author_time: bool = True  # author/time (DMP-C07)
    custodian_root: str = "1.2.250.1.71.4.2.2"  # (DMP-C08)
    dlu_participant: bool = True  # DLU participant INF/PCP (DMP-C09)
    ins_root: str | None = None  # replaces the INS OID (DMP-I01 in a set environment; DMP-C06 against the lot)
    ins_key_offset: int = 0  # the recordTarget INS carries its NIR key plus this (DMP-I02)
    extra_ins_root: str | None = None  # a second recordTarget INS id under this root (DMP-I01)
    birthplace: bool = True  # INS trait (DMP-I03)
    legal_time_shift: dt.timedelta = dt.timedelta(0)  # added to legalAuthenticator/time (DMP-C10)


@dataclass(frozen=True)
class Org:
    struct_id: str  # Struct_IdNat ("1" + FINESS)
    name: str
    facility: tuple[str, str] = ("SA17", "Etablissement pour personnes âgées")
    practice: tuple[str, str] = ("ESSMS", "Etablissement ou Service Social ou Médico-Social")
    ipp_oid: str = "1.2.250.1.999.1.1.7898.2"
    author_id: str = "810000000006"  # 8 + made-up RPPS
    author_family: str = "SOIGNANT-ESSAI"
    author_given: str = "Claire"


@dataclass(frozen=True)
class DocSpec:
    type_code: str
    type_display: str
    title: str
    doc_id: str  # OID, becomes XDS uniqueId
    when: dt.datetime
    dlu: bool = False
    replaces: str | None = None  # uniqueId of the replaced document (RPLC)
    class_code: str = "11"  # XDS classCode (JDV_J57): 11 Synthèse, 42 Prescription, ...
    class_display: str = "Synthèse"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{HL7}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S%z")


def _person(parent: etree._Element, org: Org) -> None:
    name = _el(_el(parent, "assignedPerson"), "name")
    _el(name, "given", org.author_given)
    _el(name, "family", org.author_family)


def _org(
    parent: etree._Element,
    org: Org,
    tag: str = "representedOrganization",
    sic: bool = False,
    root: str = "1.2.250.1.71.4.2.2",
) -> None:
    el = _el(parent, tag)
    _el(el, "id", root=root, extension=org.struct_id)
    _el(el, "name", org.name)
    if sic:
        _el(
            el,
            "standardIndustryClassCode",
            code=org.practice[0],
            codeSystem="1.2.250.1.213.1.1.4.9",
            displayName=org.practice[1],
        )


def build_cda(patient: dict[str, Any], spec: DocSpec, org: Org, pdf: bytes, flaws: CdaFlaws = CdaFlaws()) -> bytes:
    doc = etree.Element(f"{{{HL7}}}ClinicalDocument", nsmap={None: HL7, "xsi": XSI})
    if flaws.realm:
        _el(doc, "realmCode", code="FR")
    _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    _el(doc, "templateId", root="2.16.840.1.113883.2.8.2.1")
    _el(doc, "templateId", root="1.2.250.1.213.1.1.1.1")
    if spec.dlu:
        _el(doc, "templateId", root="1.2.250.1.213.1.1.1.22", extension="2022.01")
    else:
        _el(doc, "templateId", root="1.3.6.1.4.1.19376.1.2.20")
    _el(doc, "id", root=spec.doc_id)
    _el(doc, "code", code=spec.type_code, codeSystem="2.16.840.1.113883.6.1", displayName=spec.type_display)
    _el(doc, "title", spec.title)
    when = ts(spec.when)
    _el(doc, "effectiveTime", value=when)
    _el(doc, "confidentialityCode", code="N", codeSystem="2.16.840.1.113883.5.25", displayName="Normal")
    _el(doc, "languageCode", code="fr-FR")
    _el(doc, "setId", root=spec.doc_id + ".0")
    _el(doc, "versionNumber", value="2" if spec.replaces else "1")
    role = _el(_el(doc, "recordTarget"), "patientRole")
    ins = patient["ins"][:13] + f"{(int(patient['ins'][13:]) + flaws.ins_key_offset) % 100:02d}"
    _el(role, "id", root=flaws.ins_root or patient["ins_oid"], extension=ins)
    if flaws.extra_ins_root:
        _el(role, "id", root=flaws.extra_ins_root, extension=ins)
    _el(role, "id", root=org.ipp_oid, extension=patient["record_id"])
    pat = _el(role, "patient", classCode="PSN")
    name = _el(pat, "name")
    _el(name, "family", patient["birth_name"], qualifier="BR")
    _el(name, "given", " ".join(patient["given_names"]).upper())
    _el(name, "given", patient["first_given"].upper(), qualifier="BR")
    _el(pat, "administrativeGenderCode", code=patient["sex"], codeSystem="2.16.840.1.113883.5.1")
    _el(pat, "birthTime", value=patient["birth_date"].replace("-", ""))
    if flaws.birthplace:
        _el(_el(_el(_el(pat, "birthplace"), "place"), "addr"), "county", patient["birth_place"])
    author = _el(doc, "author")
    if flaws.author_time:
        _el(author, "time", value=when)
    assigned = _el(author, "assignedAuthor")
    _el(assigned, "id", root="1.2.250.1.71.4.2.1", extension=org.author_id)
    _el(assigned, "code", code="G15_60", codeSystem="1.2.250.1.213.1.1.4.5", displayName="Infirmier")
    _person(assigned, org)
    _org(assigned, org)
    _org(
        _el(_el(doc, "custodian"), "assignedCustodian"),
        org,
        "representedCustodianOrganization",
        root=flaws.custodian_root,
    )
    legal = _el(doc, "legalAuthenticator")
    _el(legal, "time", value=ts(spec.when + flaws.legal_time_shift) if flaws.legal_time_shift else when)
    _el(legal, "signatureCode", code="S")
    entity = _el(legal, "assignedEntity")
    _el(entity, "id", root="1.2.250.1.71.4.2.1", extension=org.author_id)
    _person(entity, org)
    if spec.dlu and flaws.dlu_participant:
        part = _el(doc, "participant", typeCode="INF")
        _el(part, "functionCode", code="PCP", codeSystem="2.16.840.1.113883.5.88", displayName="Médecin traitant")
        _el(_el(part, "associatedEntity", classCode="PROV"), "id", root="1.2.250.1.71.4.2.1", extension="810000000014")
    event = _el(_el(doc, "documentationOf"), "serviceEvent")
    if spec.dlu:
        _el(event, "code", code="34117-2", codeSystem="2.16.840.1.113883.6.1")
    times = _el(event, "effectiveTime")
    start = spec.when - dt.timedelta(hours=1)
    _el(times, "low", value=ts(start))
    _el(times, "high", value=ts(start + dt.timedelta(minutes=30)))
    perf = _el(_el(event, "performer", typeCode="PRF"), "assignedEntity")
    _el(perf, "id", root="1.2.250.1.71.4.2.1", extension=org.author_id)
    _person(perf, org)
    _org(perf, org, sic=True)
    if spec.replaces:
        parent = _el(_el(doc, "relatedDocument", typeCode="RPLC"), "parentDocument")
        _el(parent, "id", root=spec.replaces)
    enc = _el(_el(doc, "componentOf"), "encompassingEncounter")
    _el(_el(enc, "effectiveTime"), "low", value=spec.when.strftime("%Y%m%d"))
    fac = _el(_el(enc, "location"), "healthCareFacility")
    _el(fac, "code", code=org.facility[0], codeSystem="1.2.250.1.71.4.2.4", displayName=org.facility[1])
    component = _el(doc, "component")
    if spec.dlu:
        body = _el(component, "structuredBody")
        for oid in DLU_SECTIONS:
            section = _el(_el(body, "component"), "section")
            _el(section, "templateId", root=oid)
            _el(section, "text", "-")
    else:
        _el(
            _el(component, "nonXMLBody"),
            "text",
            base64.b64encode(pdf).decode(),
            mediaType="application/pdf",
            representation=flaws.representation,
        )
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
