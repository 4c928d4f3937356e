"""The ITI-41 request of one DMP feed: XDS.b metadata (lcm/rim with lxml), SOAP 1.2 envelope with
WS-Addressing and the VIHF in wsse:Security, documents as MTOM parts.

Metadata values come from the CDA header as the ANS "Fiche" mapping says (specs/dmp.md §2.3),
plus a signature DocumentEntry linked by a `signs` association, as the DMP's lot de soumission
requires (S01). `XdsFlaws` switches one departure each, for the seeded defects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.formats.ebrim import (
    DE_IDS,
    DE_SCHEMES,
    DOC_ENTRY_TYPE,
    HAS_MEMBER,
    ITI41,
    LCM,
    RIM,
    RPLC,
    SIGNS,
    SOAP12,
    SS_IDS,
    SS_SCHEMES,
    WSA,
    WSSE,
    XDSB,
    XOP,
)
from conformance.formats.ebrim import SUBMISSION_SET_NODE as SS_NODE

from .cda import DocSpec, Org
from .xades import XadesFlaws, sign_lot

DE = {**DE_SCHEMES, **DE_IDS}
SS_AUTHOR, SS_CONTENT = SS_SCHEMES["author"], SS_SCHEMES["contentTypeCode"]
SS_PATIENT, SS_SOURCE, SS_UNIQUE = SS_IDS["patientId"], SS_IDS["sourceId"], SS_IDS["uniqueId"]
FORMATS = {
    True: ("urn:asip:ci-sis:dlu:2015", "1.2.250.1.213.1.1.4.2.282", "Document de liaison d'urgence"),
    False: ("urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3", "Document à corps non structuré en Pdf/A-1"),
}


@dataclass(frozen=True)
class XdsFlaws:
    source_id: bool = True  # SubmissionSet sourceId (X01)
    content_type: bool = True  # SubmissionSet contentTypeCode (X02)
    creation_time: bool = True  # DocumentEntry creationTime slot (X03)
    hash_of_document: bool = True  # (X04)
    type_scheme: str = "2.16.840.1.113883.6.1"  # (X05)
    class_code: str | None = None  # replaces the document's classCode (X06)
    format_code: str | None = None  # overrides the formatCode (X07)
    extra_confidentiality: int = 0  # duplicate visibility codes beyond the 1..4 allowed (X08)
    practice_scheme: str = "1.2.250.1.213.1.1.4.9"  # practiceSettingCode codingScheme (X09)
    author_oid: str = "1.2.250.1.71.4.2.1"  # XCN assigning authority (X10)
    has_member: bool = True  # (X12)
    signature_entry: bool = True  # (S01)
    xades: XadesFlaws = XadesFlaws()  # the XAdES signature part (S02)
    title_from_cda: bool = True  # (C06)
    source_patient_type: str = "PI"  # (I06)
    wsa_action: str = ITI41  # (T02)
    mime_type: str = "text/xml"  # the CDA entry's mimeType (X14: application/xslt+xml for a plain CDA)
    submission_shift: dt.timedelta = dt.timedelta(0)  # added to submissionTime (X13: local time written as UTC)


@dataclass
class FeedDoc:
    spec: DocSpec
    cda: bytes
    replaces_entry: str | None = None  # entryUUID of the replaced document (RPLC)
    entry_uuid: str | None = None  # the DocumentEntry's entryUUID chosen by the DUI (else a symbolic id)

    def entry_id(self, index: int) -> str:
        return self.entry_uuid or f"Document{index:02d}"


SIGNATURE_NOTE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="lot-signature">'
    b"<!-- placeholder: the lot is signed (XAdES, build/xades.py) only when a signing key is given -->"
    b"</ds:Signature>"
)


class _Ids:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def __call__(self, prefix: str) -> str:
        return f"{prefix}{next(self._n)}"


def _rim(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{RIM}}}{tag}", attrs)


def _slot(parent: etree._Element, name: str, *values: str) -> None:
    vl = _rim(_rim(parent, "Slot", name=name), "ValueList")
    for v in values:
        _rim(vl, "Value").text = v


def _name(parent: etree._Element, value: str) -> None:
    _rim(_rim(parent, "Name"), "LocalizedString", value=value)


def _coded(parent: etree._Element, scheme: str, obj: str, code: str, coding: str, display: str, cid: str) -> None:
    c = _rim(
        parent, "Classification", classificationScheme=scheme, classifiedObject=obj, nodeRepresentation=code, id=cid
    )
    _slot(c, "codingScheme", coding)
    _name(c, display)


def _external(parent: etree._Element, scheme: str, obj: str, value: str, name: str, eid: str) -> None:
    e = _rim(parent, "ExternalIdentifier", identificationScheme=scheme, registryObject=obj, value=value, id=eid)
    _name(e, name)


def utc(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


class LotBuilder:
    def __init__(
        self,
        patient: dict[str, Any],
        org: Org,
        flaws: XdsFlaws,
        source_id: str,
        signing: tuple[bytes, bytes] | None = None,
    ) -> None:
        self.patient, self.org, self.flaws, self.source_id = patient, org, flaws, source_id
        self.signing = signing  # (key PEM, certificate PEM): the structure's cachet signs the lot (XAdES)
        self.ids = _Ids()
        self.ins_cx = f"{patient['ins']}^^^&{patient['ins_oid']}&ISO^NH"

    def xcn(self) -> str:
        o = self.org
        return f"{o.author_id}^{o.author_family}^{o.author_given}^^^^^^&{self.flaws.author_oid}&ISO^D^^^IDNPS"

    def author(self, parent: etree._Element, scheme: str, obj: str) -> None:
        c = _rim(
            parent,
            "Classification",
            classificationScheme=scheme,
            classifiedObject=obj,
            nodeRepresentation="",
            id=self.ids("cl-"),
        )
        _slot(c, "authorPerson", self.xcn())
        _slot(c, "authorInstitution", f"{self.org.name}^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^{self.org.struct_id}")
        _slot(c, "authorSpecialty", "G15_60^Infirmier^1.2.250.1.213.1.1.4.5")

    def entry(self, objects: etree._Element, eid: str, data: bytes, doc: FeedDoc | None) -> None:
        f, p, org = self.flaws, self.patient, self.org
        mime = f.mime_type if doc else "text/xml"  # the signature entry keeps text/xml
        e = _rim(objects, "ExtrinsicObject", id=eid, mimeType=mime, objectType=DOC_ENTRY_TYPE)
        spec = doc.spec if doc else None
        when = spec.when if spec else dt.datetime.now(dt.UTC)
        if f.creation_time or spec is None:
            _slot(e, "creationTime", utc(when))
        _slot(e, "languageCode", "fr-FR" if spec else "art")
        if spec:
            start = when - dt.timedelta(hours=1)
            _slot(e, "legalAuthenticator", self.xcn())
            _slot(e, "serviceStartTime", utc(start))
            _slot(e, "serviceStopTime", utc(start + dt.timedelta(minutes=30)))
        _slot(e, "sourcePatientId", f"{p['record_id']}^^^&{org.ipp_oid}&ISO^{f.source_patient_type}")
        _slot(
            e,
            "sourcePatientInfo",
            f"PID-5|{p['birth_name']}^{p['first_given'].upper()}^^^^^L",
            "PID-7|" + p["birth_date"].replace("-", ""),
            "PID-8|" + p["sex"],
        )
        hashed = data if f.hash_of_document or spec is None else data + b"\n"
        _slot(e, "hash", hashlib.sha1(hashed).hexdigest())
        _slot(e, "size", str(len(data)))
        title = "Source" if spec is None else (spec.title if f.title_from_cda else spec.title + " (copie)")
        _name(e, title)
        self.author(e, DE["author"], eid)
        if spec is None:
            _coded(
                e,
                DE["classCode"],
                eid,
                "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1",
                "URN",
                "Digital Signature",
                self.ids("cl-"),
            )
            _coded(e, DE["typeCode"], eid, "E1762", "ASTM", "Full Document", self.ids("cl-"))
            _coded(
                e,
                DE["formatCode"],
                eid,
                "http://www.w3.org/2000/09/xmldsig#",
                "URN",
                "Default Signature Style",
                self.ids("cl-"),
            )
            confid = [
                ("N", "2.16.840.1.113883.5.25"),
                ("MASQUE_PS", "1.2.250.1.213.1.1.4.13"),
                ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
            ]
        else:
            _coded(
                e,
                DE["classCode"],
                eid,
                f.class_code or spec.class_code,
                "1.2.250.1.213.1.1.4.1",
                spec.class_display,
                self.ids("cl-"),
            )
            _coded(e, DE["typeCode"], eid, spec.type_code, f.type_scheme, spec.type_display, self.ids("cl-"))
            fmt = FORMATS[spec.dlu]
            _coded(e, DE["formatCode"], eid, f.format_code or fmt[0], fmt[1], fmt[2], self.ids("cl-"))
            confid = [("N", "2.16.840.1.113883.5.25")]
            confid += [("MASQUE_PS", "1.2.250.1.213.1.1.4.13")] * f.extra_confidentiality
        for code, system in confid:
            _coded(e, DE["confidentialityCode"], eid, code, system, code, self.ids("cl-"))
        _coded(
            e,
            DE["healthcareFacilityTypeCode"],
            eid,
            org.facility[0],
            "1.2.250.1.71.4.2.4",
            org.facility[1],
            self.ids("cl-"),
        )
        _coded(e, DE["practiceSettingCode"], eid, org.practice[0], f.practice_scheme, org.practice[1], self.ids("cl-"))
        _external(e, DE["patientId"], eid, self.ins_cx, "XDSDocumentEntry.patientId", self.ids("ei-"))
        uid = spec.doc_id if spec else f"{self.source_id}.9.{uuid.uuid4().int % 10**12}"
        _external(e, DE["uniqueId"], eid, uid, "XDSDocumentEntry.uniqueId", self.ids("ei-"))

    def request(
        self, docs: list[FeedDoc], lot_unique: str, now: dt.datetime
    ) -> tuple[etree._Element, dict[str, bytes]]:
        """(xdsb:ProvideAndRegisterDocumentSetRequest with xop:Include parts, {content-id: bytes})."""
        f = self.flaws
        root = etree.Element(
            f"{{{XDSB}}}ProvideAndRegisterDocumentSetRequest", nsmap={"xdsb": XDSB, "lcm": LCM, "rim": RIM, "xop": XOP}
        )
        objects = _rim(etree.SubElement(root, f"{{{LCM}}}SubmitObjectsRequest"), "RegistryObjectList")
        ss = _rim(objects, "RegistryPackage", id="SubmissionSet01")
        _slot(ss, "submissionTime", utc(now + f.submission_shift))
        _name(ss, f"Lot {self.org.name}")
        self.author(ss, SS_AUTHOR, "SubmissionSet01")
        if f.content_type:
            _coded(
                ss,
                SS_CONTENT,
                "SubmissionSet01",
                "11",
                "1.2.250.1.213.2.2",
                "Hébergement complet ou internat",
                "cl-ss-content",
            )
        _external(ss, SS_PATIENT, "SubmissionSet01", self.ins_cx, "XDSSubmissionSet.patientId", "ei-ss-1")
        if f.source_id:
            _external(ss, SS_SOURCE, "SubmissionSet01", self.source_id, "XDSSubmissionSet.sourceId", "ei-ss-2")
        _external(ss, SS_UNIQUE, "SubmissionSet01", lot_unique, "XDSSubmissionSet.uniqueId", "ei-ss-3")
        parts: dict[str, bytes] = {}
        members: list[str] = []
        for i, doc in enumerate(docs, 1):
            eid = doc.entry_id(i)
            self.entry(objects, eid, doc.cda, doc)
            parts[eid] = doc.cda
            members.append(eid)
        if f.signature_entry:
            signature = (
                SIGNATURE_NOTE
                if self.signing is None
                else sign_lot(
                    lot_unique, [(d.spec.doc_id, d.cda) for d in docs], *self.signing, when=now, flaws=f.xades
                )
            )
            self.entry(objects, "Signature01", signature, None)
            parts["Signature01"] = signature
            members.append("Signature01")
        _rim(objects, "Classification", classifiedObject="SubmissionSet01", id="cl-ss-node", classificationNode=SS_NODE)
        for eid in members if f.has_member else []:
            a = _rim(
                objects,
                "Association",
                associationType=HAS_MEMBER,
                sourceObject="SubmissionSet01",
                targetObject=eid,
                id=self.ids("as-"),
            )
            _slot(a, "SubmissionSetStatus", "Original")
        if f.signature_entry:
            _rim(
                objects,
                "Association",
                associationType=SIGNS,
                sourceObject="Signature01",
                targetObject="SubmissionSet01",
                id=self.ids("as-"),
            )
        for i, doc in enumerate(docs, 1):
            if doc.replaces_entry:
                _rim(
                    objects,
                    "Association",
                    associationType=RPLC,
                    sourceObject=doc.entry_id(i),
                    targetObject=doc.replaces_entry,
                    id=self.ids("as-"),
                )
        cids: dict[str, bytes] = {}
        for eid, data in parts.items():
            # short enough for one header line: a folded Content-ID comes out RFC 2047-encoded, which
            # MTOM readers do not decode
            cid = f"{uuid.uuid4().hex}@dui-conformance"
            d = etree.SubElement(root, f"{{{XDSB}}}Document", id=eid)
            etree.SubElement(d, f"{{{XOP}}}Include", href=f"cid:{cid}")
            cids[cid] = data
        return root, cids


def envelope(body: etree._Element, vihf: etree._Element | None, to: str, action: str = ITI41) -> bytes:
    env = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"soap": SOAP12, "wsa": WSA})
    header = etree.SubElement(env, f"{{{SOAP12}}}Header")
    act = etree.SubElement(header, f"{{{WSA}}}Action")
    act.set(f"{{{SOAP12}}}mustUnderstand", "true")
    act.text = action
    etree.SubElement(header, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    etree.SubElement(header, f"{{{WSA}}}To").text = to
    reply = etree.SubElement(header, f"{{{WSA}}}ReplyTo")
    etree.SubElement(reply, f"{{{WSA}}}Address").text = "http://www.w3.org/2005/08/addressing/anonymous"
    if vihf is not None:
        sec = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE})
        sec.append(vihf)
    etree.SubElement(env, f"{{{SOAP12}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")
