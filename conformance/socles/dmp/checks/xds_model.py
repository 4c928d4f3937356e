"""The XDS.b metadata of one feed, read once from a SubmitObjectsRequest.

Accepts a bare `lcm:SubmitObjectsRequest`, an `xdsb:ProvideAndRegisterDocumentSetRequest`
(inline base64 `xdsb:Document` parts) or a SOAP 1.2 Envelope carrying either. With MTOM the
document parts are `xop:Include` references: the service resolves them and passes the bytes in
`artifact.meta["documents"]` or `ctx.extra["documents"]` ({Document/@id: bytes}).
ebRIM identifiers: IHE ITI TF-3 (specs/dmp.md §2.1).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from lxml import etree

from conformance.xmlsafe import XmlRefused, parse_xml

from .xpaths import LCM, RIM, SOAP12, XDSB, all_of, first, where

SS_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
DE_OBJECT_TYPE = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
DE_SCHEMES = {
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "classCode": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "confidentialityCode": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "eventCodeList": "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
    "formatCode": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "healthcareFacilityTypeCode": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practiceSettingCode": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "typeCode": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
}
DE_IDS = {
    "patientId": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "uniqueId": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
}
SS_SCHEMES = {
    "author": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
    "contentTypeCode": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
}
SS_IDS = {
    "patientId": "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
    "sourceId": "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
    "uniqueId": "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
}
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
SIGNS = "urn:ihe:iti:2007:AssociationType:signs"


def slots_of(el: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for slot in el.iterchildren(f"{{{RIM}}}Slot"):
        values = [(v.text or "").strip() for v in slot.iterfind(f"{{{RIM}}}ValueList/{{{RIM}}}Value")]
        out.setdefault(slot.get("name", ""), []).extend(values)
    return out


def name_of(el: etree._Element) -> str | None:
    loc = first(el, "rim:Name/rim:LocalizedString")
    return loc.get("value") if loc is not None else None


@dataclass
class Coded:
    """A coded Classification: code, codingScheme slot, display name."""

    code: str
    scheme: str
    display: str | None
    slots: dict[str, list[str]]
    el: etree._Element

    @property
    def location(self) -> str:
        return where(self.el)


@dataclass
class RegistryObject:
    id: str
    el: etree._Element
    slots: dict[str, list[str]]
    classifications: dict[str, list[Coded]] = field(default_factory=dict)  # by scheme UUID
    external_ids: dict[str, tuple[str, etree._Element]] = field(default_factory=dict)  # by scheme UUID

    @property
    def location(self) -> str:
        return where(self.el)

    def slot(self, name: str) -> list[str]:
        return self.slots.get(name, [])

    def coded(self, scheme: str) -> list[Coded]:
        return self.classifications.get(scheme, [])

    def ext(self, scheme: str) -> str | None:
        found = self.external_ids.get(scheme)
        return found[0] if found else None


@dataclass
class Association:
    type: str
    source: str
    target: str
    slots: dict[str, list[str]]
    el: etree._Element


@dataclass
class DocumentPart:
    id: str
    data: bytes | None  # None: MTOM reference not resolved, or invalid base64
    problem: str
    el: etree._Element


@dataclass
class XdsMetadata:
    root: etree._Element
    request: etree._Element  # lcm:SubmitObjectsRequest
    packages: list[RegistryObject]
    submission_sets: list[RegistryObject]
    entries: list[RegistryObject]
    associations: list[Association]
    documents: dict[str, DocumentPart]
    is_provide_and_register: bool


def _registry_object(el: etree._Element, extra: list[etree._Element]) -> RegistryObject:
    obj = RegistryObject(el.get("id", ""), el, slots_of(el))
    for cl in list(el.iterchildren(f"{{{RIM}}}Classification")) + extra:
        scheme = cl.get("classificationScheme") or cl.get("classificationNode") or ""
        slots = slots_of(cl)
        coding = slots.get("codingScheme", [""])
        obj.classifications.setdefault(scheme, []).append(
            Coded(cl.get("nodeRepresentation", ""), coding[0] if coding else "", name_of(cl), slots, cl)
        )
    for ei in el.iterchildren(f"{{{RIM}}}ExternalIdentifier"):
        obj.external_ids[ei.get("identificationScheme", "")] = (ei.get("value", ""), ei)
    return obj


def _document_part(el: etree._Element, resolved: dict[str, bytes]) -> DocumentPart:
    doc_id = el.get("id", "")
    if first(el, "xop:Include") is not None:
        if doc_id in resolved:
            return DocumentPart(doc_id, resolved[doc_id], "", el)
        return DocumentPart(doc_id, None, "MTOM xop:Include not resolved here", el)
    try:
        data = base64.b64decode("".join((el.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return DocumentPart(doc_id, None, "document part is not valid base64", el)
    return DocumentPart(doc_id, data, "", el)


def read_metadata(data: bytes, resolved: dict[str, bytes] | None = None) -> tuple[XdsMetadata | None, str]:
    """(metadata, '') or (None, reason) for refused or unrecognised XML."""
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        return None, str(exc)
    node = root
    if node.tag == f"{{{SOAP12}}}Envelope":
        body = first(node, "soap:Body/*")
        if body is None:
            return None, "SOAP Envelope without a Body element"
        node = body
    pnr = node.tag == f"{{{XDSB}}}ProvideAndRegisterDocumentSetRequest"
    request = first(node, "lcm:SubmitObjectsRequest") if pnr else node
    if request is None or request.tag != f"{{{LCM}}}SubmitObjectsRequest":
        return None, f"no lcm:SubmitObjectsRequest (root element {etree.QName(node).localname})"
    objects = first(request, "rim:RegistryObjectList")
    if objects is None:
        return None, "SubmitObjectsRequest without rim:RegistryObjectList"
    loose = [c for c in objects.iterchildren(f"{{{RIM}}}Classification")]
    by_target: dict[str, list[etree._Element]] = {}
    for cl in loose:
        by_target.setdefault(cl.get("classifiedObject", ""), []).append(cl)
    packages = [
        _registry_object(p, by_target.get(p.get("id", ""), []))
        for p in objects.iterchildren(f"{{{RIM}}}RegistryPackage")
    ]
    entries = [
        _registry_object(e, by_target.get(e.get("id", ""), []))
        for e in objects.iterchildren(f"{{{RIM}}}ExtrinsicObject")
    ]
    sets = [p for p in packages if p.coded(SS_NODE)]
    associations = [
        Association(
            a.get("associationType", ""), a.get("sourceObject", ""), a.get("targetObject", ""), slots_of(a), a
        )
        for a in objects.iterchildren(f"{{{RIM}}}Association")
    ]
    documents = (
        {d.get("id", ""): _document_part(d, resolved or {}) for d in all_of(node, "xdsb:Document")}
        if pnr
        else {}
    )
    return XdsMetadata(root, request, packages, sets, entries, associations, documents, pnr), ""
