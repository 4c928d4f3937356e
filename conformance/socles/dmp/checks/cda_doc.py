"""One CDA document, parsed once through the hardened parser, with the facts several rules share.

A self-presentable CDA (mimeType application/xslt+xml) is an XSL stylesheet that carries the
ClinicalDocument inside it (ANS examples `*_Auto-Presentable.xml`); the rules then run on that
embedded document, and locations point into the stylesheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from conformance.formats.ins import INS_OIDS
from conformance.formats.xmlsafe import XmlRefused, parse_xml

from ..messages import M
from .collector import Collector
from .xpaths import HL7, XSL, all_of, first, where

INS_C_OID = "1.2.250.1.213.1.4.2"  # legacy INS-C, excluded from the DMP


@dataclass
class CdaDoc:
    root: etree._Element  # the ClinicalDocument element
    self_presentable: bool = False
    data: bytes = b""  # the bytes it was read from (the pack's schematrons read them again)
    _cache: dict[str, object] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return where(self.root)

    def at(self, path: str) -> etree._Element | None:
        return first(self.root, path)

    def all(self, path: str) -> list[etree._Element]:
        return all_of(self.root, path)

    def patient_ids(self) -> list[etree._Element]:
        return self.all("cda:recordTarget/cda:patientRole/cda:id")

    def ins_ids(self) -> list[etree._Element]:
        return [i for i in self.patient_ids() if i.get("root") in INS_OIDS]

    def patient(self) -> etree._Element | None:
        return self.at("cda:recordTarget/cda:patientRole/cda:patient")


def open_cda(data: bytes) -> tuple[CdaDoc | None, str]:
    """(document, '') or (None, reason in English) for refused or non-CDA input."""
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        return None, str(exc)
    q = etree.QName(root)
    if q.namespace == HL7 and q.localname == "ClinicalDocument":
        return CdaDoc(root, data=data), ""
    if q.namespace == XSL and q.localname in ("stylesheet", "transform"):
        inner = first(root, "cda:ClinicalDocument")
        if inner is None:
            inner = first(root, "*/cda:ClinicalDocument")
        if inner is not None:
            return CdaDoc(inner, self_presentable=True, data=data), ""
        return None, "XSL stylesheet without an embedded cda:ClinicalDocument"
    return None, f"root element is {{{q.namespace}}}{q.localname}, not {{{HL7}}}ClinicalDocument"


def exactly_once(out: Collector, req: str, found: list[etree._Element], what: str, location: str) -> bool:
    """Fail `req` unless `found` holds exactly one element; True when there is at least one to go on."""
    if len(found) != 1:
        out.fail(req, M.text("cda.exactly-once", what=what, count=len(found)), location)
    return bool(found)
