"""What the mock DMP keeps of each document it accepted, so that ITI-18 and ITI-43 can give it back.

A DUI that replaces a document must first find it (the DMP's TD3.1, an ITI-18 stored query, gives
the entryUUID the RPLC association targets: PDSM4DMP IG, transaction_td2.1), and the harness judges
a replacement chain on what the registry really holds after it. So the mock stores the submitted
ExtrinsicObject itself (with the entryUUID it assigned, its availability status and the slots the
repository adds), the document bytes, and the associations between documents.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

from lxml import etree

from conformance.formats.ebrim import APPROVED

from ..checks.xds_model import DE_IDS, RegistryObject
from ..checks.xpaths import RIM

# the mock repository's uniqueId: a synthetic OID under the harness's test root (the real DMP's is
# in SEL-MP-037, which is not public)
REPOSITORY_ID = "1.2.250.1.999.1.1.9999.1"


@dataclass
class StoredDocument:
    unique_id: str
    entry_uuid: str
    patient_id: str
    status: str  # APPROVED | DEPRECATED
    mime_type: str
    data: bytes
    extrinsic: bytes  # the ExtrinsicObject as registered, without its status attribute

    @property
    def short_status(self) -> str:
        return self.status.rsplit(":", 1)[-1]

    def registry_object(self) -> etree._Element:
        el = etree.fromstring(self.extrinsic)
        el.set("status", self.status)
        return el


@dataclass(frozen=True)
class StoredAssociation:
    id: str
    type: str
    source: str  # entryUUID
    target: str  # entryUUID


def _slot(el: etree._Element, name: str, value: str) -> None:
    if any(s.get("name") == name for s in el.iterchildren(f"{{{RIM}}}Slot")):
        return
    slot = etree.Element(f"{{{RIM}}}Slot", name=name)
    etree.SubElement(etree.SubElement(slot, f"{{{RIM}}}ValueList"), f"{{{RIM}}}Value").text = value
    # slots come first in an ebRIM RegistryObject (before Name, Description, Classification)
    last = None
    for s in el.iterchildren(f"{{{RIM}}}Slot"):
        last = s
    if last is None:
        el.insert(0, slot)
    else:
        last.addnext(slot)


def stored_document(entry: RegistryObject, entry_uuid: str, data: bytes) -> StoredDocument:
    """A copy of the submitted entry with the identifiers the registry assigns and the repository slots."""
    el = copy.deepcopy(entry.el)
    old_id = el.get("id", "")
    for node in el.iter():
        for attr in ("id", "classifiedObject", "registryObject"):
            if node.get(attr) == old_id:
                node.set(attr, entry_uuid)
    for coded in (c for group in entry.classifications.values() for c in group):
        if coded.el.getparent() is not entry.el:  # classification written outside the entry
            moved = copy.deepcopy(coded.el)
            moved.set("classifiedObject", entry_uuid)
            el.append(moved)
    el.attrib.pop("status", None)
    _slot(el, "repositoryUniqueId", REPOSITORY_ID)
    _slot(el, "size", str(len(data)))
    _slot(el, "hash", hashlib.sha1(data).hexdigest())
    return StoredDocument(
        unique_id=entry.ext(DE_IDS["uniqueId"]) or "",
        entry_uuid=entry_uuid,
        patient_id=entry.ext(DE_IDS["patientId"]) or "",
        status=APPROVED,
        mime_type=entry.el.get("mimeType", "application/octet-stream"),
        data=data,
        extrinsic=etree.tostring(el),
    )
