"""XDS metadata (ebRIM 3.0 SubmitObjectsRequest) computed from the CDA header, as IHE XDM wants it.

Every DocumentEntry value is read back from the CDA bytes (the CI-SIS annex "lien entre l'en-tête
CDA et les métadonnées XDS", specs/dmp.md §2.3), never from what the caller meant to write: a
sending system that maps its own header cannot disagree with it. XDM adds hash (SHA-1, lower-case
hex), size and URI of the file in the subset (ITI-32).

classCode comes from the type code (the NOS correspondence table ASS_X04 is not in the public
corpus: the table below is the harness's reading, CR -> 10, liaison/synthesis documents -> 11,
prescriptions -> 42, care plans -> 44). formatCode of a PDF N1 is urn:ihe:iti:xds-sd:pdf:2008 (JDV_J60).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from conformance.formats import ebrim
from conformance.formats.ebrim import APPROVED, CLASSIFICATION, EXTERNAL_ID, HAS_MEMBER, LCM, RIM
from conformance.formats.ebrim import DOC_ENTRY_TYPE as DOC_ENTRY
from conformance.formats.ebrim import SUBMISSION_SET_NODE as SUBMISSION_SET
from conformance.formats.ins import INS_OIDS
from conformance.formats.xmlsafe import parse_xml
from conformance.socles.mssante.usager import first_ins, is_qualified

from .inputs import CONTENT_TYPE_RESIDENTIAL, OID_PS, OID_STRUCTURE, Coded, Deviations

HL7 = "urn:hl7-org:v3"
_H = {"h": HL7}
DE_SCHEMES = {**ebrim.DE_SCHEMES, **ebrim.DE_IDS}  # classifications and external identifiers, by name
SS_SCHEMES = {**ebrim.SS_SCHEMES, **ebrim.SS_IDS}
CLASS_COMPTE_RENDU = Coded("10", "Compte rendu", "1.2.250.1.213.1.1.4.1")
CLASS_SYNTHESE = Coded("11", "Synthèse", "1.2.250.1.213.1.1.4.1")
CLASS_PLAN = Coded("44", "Plan de soins, protocole de soins", "1.2.250.1.213.1.1.4.1")
CLASS_PRESCRIPTION = Coded("42", "Prescription", "1.2.250.1.213.1.1.4.1")
CLASS_BY_TYPE = {
    "57833-6": CLASS_PRESCRIPTION,  # Prescription de produits de santé (the ordonnance)
    "57832-8": CLASS_PRESCRIPTION,  # Prescription de soins
    "11490-0": CLASS_SYNTHESE,
    "18761-7": CLASS_SYNTHESE,
    "74207-2": CLASS_SYNTHESE,
    "83981-1": CLASS_SYNTHESE,
    "88348-8": CLASS_SYNTHESE,
    "34133-9": CLASS_SYNTHESE,
    "60591-5": CLASS_SYNTHESE,
    "SYNTH": CLASS_SYNTHESE,
    "80788-3": CLASS_PLAN,
    "18776-5": CLASS_PLAN,
}
FORMAT_BY_MEDIA = {
    "application/pdf": Coded(
        "urn:ihe:iti:xds-sd:pdf:2008", "Document à corps non structuré en Pdf/A-1", "1.3.6.1.4.1.19376.1.2.3"
    ),
    "text/plain": Coded(
        "urn:ihe:iti:xds-sd:text:2008",
        "Document à corps non structuré en texte brut",
        "1.3.6.1.4.1.19376.1.2.3",
    ),
}
INVISIBLE_PATIENT = Coded("INVISIBLE_PATIENT", "Non visible par le patient", "1.2.250.1.213.1.1.4.13")
# a J07 code that is not the document's, used when a defect wants typeCode != CDA code
_OTHER_TYPE = Coded("11488-4", "CR ou fiche de consultation ou de visite", "2.16.840.1.113883.6.1")
_OTHER_TYPE_ALT = Coded("34133-9", "Synthèse d'épisode de soins", "2.16.840.1.113883.6.1")


@dataclass
class CdaHeader:
    """The header facts XDS metadata, the e-mail subject and the PDF name are computed from."""

    doc_root: str = ""
    doc_extension: str = ""
    code: Coded = field(default_factory=lambda: Coded("", "", ""))
    title: str = ""
    effective_time: str = ""
    confidentiality: Coded = field(default_factory=lambda: Coded("", "", ""))
    language: str = ""
    record_ids: list[tuple[str, str]] = field(default_factory=list)
    birth_name: str = ""
    first_given: str = ""
    given_names: str = ""
    sex: str = ""
    birth_time: str = ""
    author_id: str = ""
    author_given: str = ""
    author_family: str = ""
    author_specialty: Coded | None = None
    org_id: str = ""
    org_name: str = ""
    legal_id: str = ""
    legal_given: str = ""
    legal_family: str = ""
    service_start: str = ""
    facility_type: Coded | None = None
    practice_setting: Coded | None = None
    media_type: str = ""

    @property
    def ins(self) -> tuple[str, str] | None:
        return first_ins(self.record_ids)

    @property
    def qualified_ins(self) -> bool:
        """Matricule under an INS OID with a valid key, and the four traits (X-MSS-INS: O)."""
        return is_qualified(self.ins, self.birth_name, self.first_given, self.birth_time, self.sex)

    @property
    def unique_id(self) -> str:
        return f"{self.doc_root}^{self.doc_extension}" if self.doc_extension else self.doc_root


def _a(root: etree._Element, path: str, attr: str) -> str:
    found = root.xpath(f"{path}/@{attr}", namespaces=_H)
    return str(found[0]) if isinstance(found, list) and found else ""


def _t(root: etree._Element, path: str) -> str:
    found = root.xpath(f"{path}/text()", namespaces=_H)
    return " ".join(str(found[0]).split()) if isinstance(found, list) and found else ""


def _c(root: etree._Element, path: str) -> Coded | None:
    code = _a(root, path, "code")
    return Coded(code, _a(root, path, "displayName"), _a(root, path, "codeSystem")) if code else None


def read_header(cda: bytes | etree._Element) -> CdaHeader:
    """The header of a CDA given as bytes (hardened parser: raises XmlRefused) or as a built tree."""
    root = parse_xml(cda) if isinstance(cda, bytes) else cda
    pat = "h:recordTarget/h:patientRole/h:patient"
    author = "h:author[1]/h:assignedAuthor"
    legal = "h:legalAuthenticator/h:assignedEntity"
    return CdaHeader(
        doc_root=_a(root, "h:id", "root"),
        doc_extension=_a(root, "h:id", "extension"),
        code=_c(root, "h:code") or Coded("", "", ""),
        title=_t(root, "h:title"),
        effective_time=_a(root, "h:effectiveTime", "value"),
        confidentiality=_c(root, "h:confidentialityCode") or Coded("", "", ""),
        language=_a(root, "h:languageCode", "code"),
        record_ids=[
            (e.get("root", ""), e.get("extension", ""))
            for e in root.xpath("h:recordTarget/h:patientRole/h:id", namespaces=_H)
        ],
        birth_name=_t(root, f"{pat}/h:name/h:family[@qualifier='BR']"),
        first_given=_t(root, f"{pat}/h:name/h:given[@qualifier='BR']"),
        given_names=_t(root, f"{pat}/h:name/h:given[not(@qualifier)]"),
        sex=_a(root, f"{pat}/h:administrativeGenderCode", "code"),
        birth_time=_a(root, f"{pat}/h:birthTime", "value"),
        author_id=_a(root, f"{author}/h:id", "extension"),
        author_given=_t(root, f"{author}/h:assignedPerson/h:name/h:given"),
        author_family=_t(root, f"{author}/h:assignedPerson/h:name/h:family"),
        author_specialty=_c(root, f"{author}/h:code"),
        org_id=_a(root, f"{author}/h:representedOrganization/h:id", "extension"),
        org_name=_t(root, f"{author}/h:representedOrganization/h:name"),
        legal_id=_a(root, f"{legal}/h:id", "extension"),
        legal_given=_t(root, f"{legal}/h:assignedPerson/h:name/h:given"),
        legal_family=_t(root, f"{legal}/h:assignedPerson/h:name/h:family"),
        service_start=_a(root, "h:documentationOf[1]/h:serviceEvent/h:effectiveTime/h:low", "value"),
        facility_type=_c(root, "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code"),
        practice_setting=_c(
            root,
            "h:documentationOf[1]/h:serviceEvent/h:performer/h:assignedEntity/"
            "h:representedOrganization/h:standardIndustryClassCode",
        ),
        media_type=_a(root, "h:component/h:nonXMLBody/h:text", "mediaType"),
    )


def utc_ts(hl7: str) -> str:
    """An HL7 TS as XDS wants it: UTC digits; a value without offset is kept as written."""
    digits = hl7[:14]
    if len(hl7) > 14 and hl7[14] in "+-" and len(digits) == 14:
        moment = datetime.strptime(hl7[:19], "%Y%m%d%H%M%S%z")
        return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return digits


def cx(ident: str, oid: str, type_code: str) -> str:
    return f"{ident}^^^&{oid}&ISO^{type_code}"


def patient_cx(header: CdaHeader) -> str:
    """XDS patientId: the INS (type NH) when the CDA carries one, else the first local id (PI)."""
    ins = header.ins
    if ins:
        return cx(ins[1], ins[0], "NH")
    root, ext = header.record_ids[0] if header.record_ids else ("", "")
    return cx(ext, root, "PI")


def _xcn(ident: str, family: str, given: str) -> str:
    return f"{ident}^{family}^{given}^^^^^^&{OID_PS}&ISO^D^^^IDNPS"


@dataclass
class EntryInput:
    header: CdaHeader
    data: bytes  # the file stored in the subset
    uri: str
    embedded_pdf: bytes = b""
    extra_confidentiality: tuple[Coded, ...] = ()


class _Rim:
    """Small lxml helpers for ebRIM objects: slots, names, classifications, external identifiers."""

    def __init__(self, new_id: Callable[[], str]) -> None:
        self.new_id = new_id

    @staticmethod
    def el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{RIM}}}{tag}", attrs)

    def slot(self, parent: etree._Element, name: str, *values: str) -> None:
        lst = self.el(self.el(parent, "Slot", name=name), "ValueList")
        for v in values:
            self.el(lst, "Value").text = v

    def name(self, parent: etree._Element, value: str) -> None:
        self.el(self.el(parent, "Name"), "LocalizedString", value=value)

    def classify(self, parent: etree._Element, scheme: str, obj: str, c: Coded) -> None:
        cl = self.el(
            parent,
            "Classification",
            classificationScheme=scheme,
            classifiedObject=obj,
            id=self.new_id(),
            nodeRepresentation=c.code,
            objectType=CLASSIFICATION,
        )
        self.slot(cl, "codingScheme", c.system)
        self.name(cl, c.display)

    def author(self, parent: etree._Element, scheme: str, obj: str, h: CdaHeader) -> None:
        cl = self.el(
            parent,
            "Classification",
            classificationScheme=scheme,
            classifiedObject=obj,
            id=self.new_id(),
            nodeRepresentation="",
            objectType=CLASSIFICATION,
        )
        self.slot(cl, "authorInstitution", f"{h.org_name}^^^^^&{OID_STRUCTURE}&ISO^IDNST^^^{h.org_id}")
        self.slot(cl, "authorPerson", _xcn(h.author_id, h.author_family, h.author_given))
        if h.author_specialty:
            s = h.author_specialty
            self.slot(cl, "authorSpecialty", f"{s.code}^{s.display}^{s.system}")

    def external(self, parent: etree._Element, scheme: str, obj: str, value: str, label: str) -> None:
        ei = self.el(
            parent,
            "ExternalIdentifier",
            id=self.new_id(),
            registryObject=obj,
            identificationScheme=scheme,
            value=value,
            objectType=EXTERNAL_ID,
        )
        self.name(ei, label)


def _bad_key(cx_value: str) -> str:
    """The same CX with the NIR key changed (a typing slip in the last two digits)."""
    ident, _, rest = cx_value.partition("^")
    if len(ident) == 15 and ident[13:].isdigit():
        ident = ident[:13] + f"{(int(ident[13:]) + 1) % 100:02d}"
    return f"{ident}^{rest}"


def build_metadata(
    entries: list[EntryInput],
    *,
    new_id: Callable[[], str],
    submission_time: datetime,
    source_id: str,
    submission_uid: str,
    deviations: Deviations,
    content_type: Coded = CONTENT_TYPE_RESIDENTIAL,
) -> bytes:
    """METADATA.XML for one subset; `new_id` gives the entryUUIDs (urn:uuid:...)."""
    rim = _Rim(new_id)
    root = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
    objects = rim.el(root, "RegistryObjectList")
    first = entries[0].header
    ss_patient = patient_cx(first)
    if not deviations.patient_id_key_valid:
        ss_patient = _bad_key(ss_patient)
    ss_id = rim.new_id()
    doc_ids: list[str] = []
    for entry in entries:
        h = entry.header
        doc_id = rim.new_id()
        doc_ids.append(doc_id)
        eo = rim.el(
            objects, "ExtrinsicObject", id=doc_id, mimeType=deviations.mime_type, objectType=DOC_ENTRY, status=APPROVED
        )
        hashed = entry.data if deviations.hash_of_document else entry.embedded_pdf
        rim.slot(eo, "creationTime", utc_ts(h.effective_time))
        rim.slot(eo, "hash", hashlib.sha1(hashed).hexdigest())
        rim.slot(eo, "languageCode", h.language)
        rim.slot(eo, "legalAuthenticator", _xcn(h.legal_id, h.legal_family, h.legal_given))
        if h.service_start:
            rim.slot(eo, "serviceStartTime", utc_ts(h.service_start))
        rim.slot(eo, "size", str(len(entry.data)))
        local = [(r, e) for r, e in h.record_ids if r not in INS_OIDS]
        source = cx(local[0][1], local[0][0], "PI") if local else patient_cx(h)
        rim.slot(eo, "sourcePatientId", source)
        rim.slot(
            eo,
            "sourcePatientInfo",
            f"PID-3|{source}",
            f"PID-5|{h.birth_name}^{h.first_given}^^^^^L",
            f"PID-7|{h.birth_time}",
            f"PID-8|{h.sex}",
        )
        rim.slot(eo, "URI", entry.uri)
        rim.name(eo, h.title)
        rim.author(eo, DE_SCHEMES["author"], doc_id, h)
        rim.classify(eo, DE_SCHEMES["classCode"], doc_id, CLASS_BY_TYPE.get(h.code.code, CLASS_COMPTE_RENDU))
        for conf in (h.confidentiality, *entry.extra_confidentiality):
            rim.classify(eo, DE_SCHEMES["confidentialityCode"], doc_id, conf)
        rim.classify(
            eo,
            DE_SCHEMES["formatCode"],
            doc_id,
            FORMAT_BY_MEDIA.get(h.media_type, FORMAT_BY_MEDIA["application/pdf"]),
        )
        if h.facility_type:
            rim.classify(eo, DE_SCHEMES["healthcareFacilityTypeCode"], doc_id, h.facility_type)
        if h.practice_setting:
            rim.classify(eo, DE_SCHEMES["practiceSettingCode"], doc_id, h.practice_setting)
        type_code = h.code
        if not deviations.typecode_from_cda:
            type_code = _OTHER_TYPE if h.code.code != _OTHER_TYPE.code else _OTHER_TYPE_ALT
        rim.classify(eo, DE_SCHEMES["typeCode"], doc_id, type_code)
        pid = patient_cx(h) if deviations.patient_id_key_valid else _bad_key(patient_cx(h))
        rim.external(eo, DE_SCHEMES["patientId"], doc_id, pid, "XDSDocumentEntry.patientId")
        rim.external(eo, DE_SCHEMES["uniqueId"], doc_id, h.unique_id, "XDSDocumentEntry.uniqueId")

    ss = rim.el(
        objects,
        "RegistryPackage",
        id=ss_id,
        objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage",
        status=APPROVED,
    )
    rim.slot(ss, "submissionTime", submission_time.astimezone(UTC).strftime("%Y%m%d%H%M%S"))
    rim.name(ss, first.title if len(entries) == 1 else f"{len(entries)} documents")
    rim.author(ss, SS_SCHEMES["author"], ss_id, first)
    rim.classify(ss, SS_SCHEMES["contentTypeCode"], ss_id, content_type)
    rim.external(ss, SS_SCHEMES["uniqueId"], ss_id, submission_uid, "XDSSubmissionSet.uniqueId")
    rim.external(ss, SS_SCHEMES["sourceId"], ss_id, source_id, "XDSSubmissionSet.sourceId")
    rim.external(ss, SS_SCHEMES["patientId"], ss_id, ss_patient, "XDSSubmissionSet.patientId")
    rim.el(
        objects,
        "Classification",
        classifiedObject=ss_id,
        classificationNode=SUBMISSION_SET,
        id=rim.new_id(),
        objectType=CLASSIFICATION,
    )
    if deviations.associations:
        for doc_id in doc_ids:
            assoc = rim.el(
                objects,
                "Association",
                associationType=HAS_MEMBER,
                sourceObject=ss_id,
                targetObject=doc_id,
                id=rim.new_id(),
                objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association",
            )
            rim.slot(assoc, "SubmissionSetStatus", "Original")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
