"""An IHE_XDM archive read once: its entries, its submission sets and their DocumentEntries.

The layout follows ITI-32: `IHE_XDM/<subset>/METADATA.XML` per submission set (subset names are
not fixed: SUBSET01, SUBSET001 and free names all occur in real packages). Everything is kept
with the place it came from so that rules can report "which file, which element".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree

from conformance.formats.ebrim import DE_IDS, DE_SCHEMES, DOC_ENTRY_TYPE, SS_IDS, SUBMISSION_SET_NODE
from conformance.formats.ebrim import HAS_MEMBER as EBRIM_HAS_MEMBER
from conformance.formats.safezip import ZipContent, ZipRefused, read_zip
from conformance.formats.sniff import is_cda_bytes
from conformance.formats.xmlsafe import XmlRefused, parse_xml

from .cache import cached
from .cdaview import CdaView, parse_cda
from .locate import RIM, at

R = {"rim": RIM}
HAS_MEMBER = (EBRIM_HAS_MEMBER, "HasMember")
DE_PATIENT_ID, DE_UNIQUE_ID = DE_IDS["patientId"], DE_IDS["uniqueId"]
SS_PATIENT_ID, SS_UNIQUE_ID = SS_IDS["patientId"], SS_IDS["uniqueId"]
# the coded classifications the MSSanté rules read (author and eventCodeList are not codes they judge)
SCHEMES = {
    k: DE_SCHEMES[k]
    for k in (
        "typeCode",
        "classCode",
        "formatCode",
        "confidentialityCode",
        "healthcareFacilityTypeCode",
        "practiceSettingCode",
    )
}

_SCHEME_KEYS = {uuid: key for key, uuid in SCHEMES.items()}


@dataclass
class Coded:
    code: str
    scheme: str  # codingScheme slot (an OID for French value sets)
    element: etree._Element


@dataclass
class DocEntry:
    id: str
    element: etree._Element
    slots: dict[str, list[str]] = field(default_factory=dict)
    slot_elements: dict[str, etree._Element] = field(default_factory=dict)
    codes: dict[str, list[Coded]] = field(default_factory=dict)  # by SCHEMES key
    ext_ids: dict[str, list[tuple[str, etree._Element]]] = field(default_factory=dict)
    file_name: str | None = None  # exact member name in the archive when the URI resolves
    case_only_name: str | None = None  # member matching the URI only when case is ignored
    data: bytes | None = None
    cda: CdaView | None = None

    def slot(self, name: str) -> str | None:
        values = self.slots.get(name) or []
        return values[0] if values else None


@dataclass
class SubmissionSetView:
    id: str
    element: etree._Element
    ext_ids: dict[str, list[tuple[str, etree._Element]]] = field(default_factory=dict)


@dataclass
class Subset:
    directory: str  # "IHE_XDM/SUBSET01"
    metadata_name: str
    root: etree._Element | None = None
    refused: str | None = None
    entries: list[DocEntry] = field(default_factory=list)
    sets: list[SubmissionSetView] = field(default_factory=list)
    packages: list[etree._Element] = field(default_factory=list)
    associations: list[tuple[str, str, str]] = field(default_factory=list)  # (type, source, target)

    @property
    def metadata_label(self) -> str:
        return self.metadata_name


@dataclass
class XdmView:
    label: str  # the archive's own location ("IHE_XDM.zip", "part 2 IHE_XDM.zip")
    content: ZipContent | None = None
    refused: str | None = None
    subsets: list[Subset] = field(default_factory=list)
    _paths: dict[etree._Element, str] = field(default_factory=dict)

    def loc(self, entry: str = "", el: etree._Element | str | None = None) -> str:
        return at(self.label, entry, el, self._paths)

    def cda_entries(self) -> list[tuple[Subset, DocEntry, CdaView]]:
        return [(s, e, e.cda) for s in self.subsets for e in s.entries if e.cda is not None and e.cda.is_cda]


def parse_xdm(data: bytes, label: str) -> XdmView:
    view = XdmView(label)
    try:
        view.content = read_zip(data)
    except ZipRefused as exc:
        view.refused = str(exc)
        return view
    for name in sorted(view.content.files):
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "IHE_XDM" and parts[2] == "METADATA.XML":
            view.subsets.append(_subset(view.content, "/".join(parts[:2]), name))
    return view


def xdm_view(data: bytes, label: str, digest: str | None = None) -> XdmView:
    """`parse_xdm`, once per archive and label (keyed by its SHA-256)."""
    key = digest or hashlib.sha256(data).hexdigest()
    return cached("xdm:" + label, key, lambda: parse_xdm(data, label))


def _ext_ids(el: etree._Element) -> dict[str, list[tuple[str, etree._Element]]]:
    out: dict[str, list[tuple[str, etree._Element]]] = {}
    for ei in el.findall("rim:ExternalIdentifier", R):
        out.setdefault(ei.get("identificationScheme", ""), []).append((ei.get("value", ""), ei))
    return out


def _subset(content: ZipContent, directory: str, metadata_name: str) -> Subset:
    sub = Subset(directory, metadata_name)
    try:
        sub.root = parse_xml(content.files[metadata_name])
    except XmlRefused as exc:
        sub.refused = str(exc)
        return sub
    root = sub.root
    classified_sets = {
        c.get("classifiedObject")
        for c in root.iter(f"{{{RIM}}}Classification")
        if c.get("classificationNode") == SUBMISSION_SET_NODE
    }
    for pkg in root.iter(f"{{{RIM}}}RegistryPackage"):
        sub.packages.append(pkg)
        if pkg.get("id") in classified_sets:
            sub.sets.append(SubmissionSetView(pkg.get("id", ""), pkg, _ext_ids(pkg)))
    for assoc in root.iter(f"{{{RIM}}}Association"):
        sub.associations.append(
            (assoc.get("associationType", ""), assoc.get("sourceObject", ""), assoc.get("targetObject", ""))
        )
    for eo in root.iter(f"{{{RIM}}}ExtrinsicObject"):
        if eo.get("objectType") != DOC_ENTRY_TYPE:
            continue
        entry = DocEntry(eo.get("id", ""), eo, ext_ids=_ext_ids(eo))
        for slot in eo.findall("rim:Slot", R):
            name = slot.get("name", "")
            entry.slots[name] = [v.text or "" for v in slot.findall("rim:ValueList/rim:Value", R)]
            entry.slot_elements[name] = slot
        for cl in eo.findall("rim:Classification", R):
            key = _SCHEME_KEYS.get(cl.get("classificationScheme", ""))
            if key is None:
                continue
            coding = [
                v.text or ""
                for sl in cl.iterfind("rim:Slot", R)
                if sl.get("name") == "codingScheme"
                for v in sl.iterfind("rim:ValueList/rim:Value", R)
            ]
            entry.codes.setdefault(key, []).append(
                Coded(cl.get("nodeRepresentation", ""), coding[0] if coding else "", cl)
            )
        _resolve(content, directory, entry)
        sub.entries.append(entry)
    return sub


def _resolve(content: ZipContent, directory: str, entry: DocEntry) -> None:
    uri = entry.slot("URI")
    if not uri or uri.startswith("/") or ".." in uri.split("/") or "\\" in uri:
        return
    wanted = f"{directory}/{uri}"
    if wanted in content.files:
        entry.file_name = wanted
    else:
        entry.case_only_name = content.find(wanted)
    name = entry.file_name or entry.case_only_name
    if name is None:
        return
    entry.data = content.files[name]
    if is_cda_bytes(entry.data):  # by a streaming parse: a leading comment of any length hides nothing
        entry.cda = parse_cda(entry.data)
