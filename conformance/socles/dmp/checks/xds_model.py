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

from conformance.formats.ebrim import DE_IDS, DE_SCHEMES, HAS_MEMBER, RPLC, SIGNS, SS_IDS, SS_SCHEMES
from conformance.formats.ebrim import DOC_ENTRY_TYPE as DE_OBJECT_TYPE
from conformance.formats.ebrim import SUBMISSION_SET_NODE as SS_NODE
from conformance.formats.xmlsafe import XmlRefused, parse_xml

from .cda_doc import CdaDoc, open_cda
from .xpaths import LCM, RIM, SOAP12, XDSB, all_of, first, where

SIGNATURE_CLASS = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"  # classCode of the lot's signature entry

# re-exported: the DMP checks and the mock DMP read the identifiers from here
__all__ = [
    "DE_IDS",
    "DE_OBJECT_TYPE",
    "DE_SCHEMES",
    "HAS_MEMBER",
    "RPLC",
    "SIGNS",
    "SS_IDS",
    "SS_NODE",
    "SS_SCHEMES",
    "SIGNATURE_CLASS",
    "Association",
    "Coded",
    "DocumentPart",
    "RegistryObject",
    "XdsMetadata",
    "is_signature",
    "name_of",
    "read_metadata",
    "slots_of",
]


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
    _cdas: dict[str, tuple[CdaDoc | None, str]] = field(default_factory=dict, repr=False, compare=False)

    def cda(self, entry: RegistryObject) -> tuple[CdaDoc | None, str] | None:
        """The CDA an entry describes, parsed once for every rule that compares it with the metadata:
        None when there is no document to read here (signature entry, part missing or unresolved:
        DMP-X04 says so), else (document, '') or (None, why it is not a readable CDA)."""
        if is_signature(entry):
            return None
        part = self.documents.get(entry.id)
        if part is None or part.data is None:
            return None
        if entry.id not in self._cdas:
            self._cdas[entry.id] = open_cda(part.data)
        return self._cdas[entry.id]

    def described(self) -> list[tuple[RegistryObject, CdaDoc]]:
        """(entry, its readable CDA) for every entry whose document is here."""
        out = []
        for entry in self.entries:
            doc = (self.cda(entry) or (None, ""))[0]
            if doc is not None:
                out.append((entry, doc))
        return out


def is_signature(entry: RegistryObject) -> bool:
    """The entry of the lot's XAdES signature (not a document of the patient)."""
    return any(c.code == SIGNATURE_CLASS for c in entry.coded(DE_SCHEMES["classCode"]))


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


def read_metadata(
    data: bytes | etree._Element, resolved: dict[str, bytes] | None = None
) -> tuple[XdsMetadata | None, str]:
    """(metadata, '') or (None, reason) for refused or unrecognised XML; `data` may be a tree the
    hardened parser already gave (the mock DMP has the envelope parsed: no second parse)."""
    if isinstance(data, etree._Element):
        root = data
    else:
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
        Association(a.get("associationType", ""), a.get("sourceObject", ""), a.get("targetObject", ""), slots_of(a), a)
        for a in objects.iterchildren(f"{{{RIM}}}Association")
    ]
    documents = (
        {d.get("id", ""): _document_part(d, resolved or {}) for d in all_of(node, "xdsb:Document")} if pnr else {}
    )
    return XdsMetadata(root, request, packages, sets, entries, associations, documents, pnr), ""
