"""The DocumentEntries of a DMP feed: required attributes, slots and classifications (DMP-X03),
hash and size, as written and against the document parts (DMP-X04), and sourcePatientId /
sourcePatientInfo, as written and against the CDA recordTarget (DMP-I06).

Sources: IHE XDS.b, PDSM4DMP logical models, ANS mapping.md, IHE XDS.b hash/size (specs/dmp.md
§2.1-§2.4, §1.4, §5).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from conformance.formats.ins import INS_OIDS, parse_cx
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import INS_C_OID, CdaDoc
from .collector import Collector
from .datatypes import dtm_problem
from .xds_metadata import ins_cx_problem
from .xds_model import DE_IDS, DE_OBJECT_TYPE, DE_SCHEMES, RegistryObject, XdsMetadata, is_signature, name_of
from .xpaths import text_of, where

CDA_MIME = ("text/xml", "application/xslt+xml")
DE_SLOTS = (
    "creationTime",
    "languageCode",
    "legalAuthenticator",
    "serviceStartTime",
    "sourcePatientId",
    "hash",
    "size",
)
SINGLE = ("classCode", "formatCode", "healthcareFacilityTypeCode", "practiceSettingCode", "typeCode")
_SHA1 = re.compile(r"^[0-9A-Fa-f]{40}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2})?$")
PATIENT = "cda:recordTarget/cda:patientRole/cda:patient"


@check("xds-metadata", "dmp", "DMP-X03", "DMP-X04", "DMP-I06")
def check_entries(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    for entry in md.entries:
        _entry(entry, out)
    _hash_size(md, out)
    for entry, doc in md.described():
        _source_patient(entry, doc, out)
    return out.finish()


def _entry(entry: RegistryObject, out: Collector) -> None:
    loc = entry.location
    sig = is_signature(entry)
    out.cover("DMP-X03", M.text("xds.entry-ok"), loc)
    if entry.el.get("objectType") != DE_OBJECT_TYPE:
        out.fail("DMP-X03", M.text("xds.object-type", value=entry.el.get("objectType"), expected=DE_OBJECT_TYPE), loc)
    mime = entry.el.get("mimeType", "")
    if mime not in (("text/xml",) if sig else CDA_MIME):
        out.fail("DMP-X03", M.text("xds.mime-type", mime=mime, first=CDA_MIME[0], second=CDA_MIME[1]), loc)
    if not sig:
        for name in DE_SLOTS:
            if not [v for v in entry.slot(name) if v]:
                out.fail("DMP-X03", M.text("xds.slot-missing", name=name), loc + f"/rim:Slot[@name='{name}']")
        _slot_formats(entry, out)
    if not name_of(entry.el):
        out.fail("DMP-X03", M.text("xds.no-title"), loc + "/rim:Name")
    for key in SINGLE:
        n = len(entry.coded(DE_SCHEMES[key]))
        if n != 1:
            out.fail("DMP-X03", M.text("xds.classification-count", count=n, name=key), loc)
    if not entry.coded(DE_SCHEMES["confidentialityCode"]):
        out.fail("DMP-X03", M.text("xds.no-confidentiality"), loc)
    if not entry.coded(DE_SCHEMES["author"]):
        out.fail("DMP-X03", M.text("xds.no-author"), loc)
    for key in ("patientId", "uniqueId"):
        if not entry.ext(DE_IDS[key]):
            out.fail("DMP-X03", M.text("xds.no-external-id", name=key), loc)
    problem = ins_cx_problem(entry.ext(DE_IDS["patientId"]))
    if entry.ext(DE_IDS["patientId"]) and problem:
        out.fail("DMP-X03", M.text("xds.entry-patient", problem=problem), loc)


def _slot_formats(entry: RegistryObject, out: Collector) -> None:
    loc = entry.location
    for name in ("creationTime", "serviceStartTime", "serviceStopTime"):
        for value in entry.slot(name):
            problem = dtm_problem(value)
            if problem:
                out.fail(
                    "DMP-X03",
                    M.text("field.problem", what=f"slot {name}", problem=problem),
                    loc + f"/rim:Slot[@name='{name}']",
                )
    for value in entry.slot("languageCode"):
        if not _LANG.match(value):
            out.fail("DMP-X03", M.text("xds.language", value=value), loc + "/rim:Slot[@name='languageCode']")
    for value in entry.slot("hash"):
        if not _SHA1.match(value):
            out.fail("DMP-X04", M.text("xds.hash-form", value=value), loc + "/rim:Slot[@name='hash']")
    for value in entry.slot("size"):
        if not value.isdigit():
            out.fail("DMP-X04", M.text("xds.size-form", value=value), loc + "/rim:Slot[@name='size']")
    source = entry.slot("sourcePatientId")
    where_source = loc + "/rim:Slot[@name='sourcePatientId']"
    if source:
        out.cover("DMP-I06", M.text("xds.source-patient-ok"), loc)
        cx = parse_cx(source[0])
        if cx is None or cx.type_code not in ("PI", "NH") or not cx.id:
            out.fail("DMP-I06", M.text("xds.source-patient-form", value=source[0]), where_source)
        elif cx.type_code == "NH" and source[0] != entry.ext(DE_IDS["patientId"]):
            out.fail("DMP-I06", M.text("xds.source-patient-nh"), where_source)
    infos = entry.slot("sourcePatientInfo")
    if infos and not any(v.startswith("PID-5|") for v in infos):
        out.fail("DMP-I06", M.text("xds.source-patient-name"), loc + "/rim:Slot[@name='sourcePatientInfo']")


def _hash_size(md: XdsMetadata, out: Collector) -> None:
    """hash and size of each DocumentEntry against the bytes of its document part."""
    if not md.is_provide_and_register and not md.documents:
        out.not_applicable("DMP-X04", M.text("xds.bare-request"), where(md.request))
        return
    ids = {e.id for e in md.entries}
    for doc_id, orphan in md.documents.items():
        if doc_id not in ids:
            out.fail("DMP-X04", M.text("xds.orphan-part", id=doc_id), where(orphan.el))
    for entry in md.entries:
        part = md.documents.get(entry.id)
        if part is None:
            out.fail("DMP-X04", M.text("xds.no-part", id=entry.id), entry.location)
            continue
        if part.data is None:
            if "base64" in part.problem:
                out.fail("DMP-X04", M.text("xds.part-not-base64"), where(part.el))
            else:
                out.not_applicable("DMP-X04", M.text("xds.part-unresolved"), where(part.el))
            continue
        out.cover("DMP-X04", M.text("xds.hash-size-ok"), entry.location)
        sha1, size = hashlib.sha1(part.data).hexdigest(), str(len(part.data))
        hashes, sizes = entry.slot("hash"), entry.slot("size")
        if hashes and hashes[0].lower() != sha1:
            out.fail(
                "DMP-X04",
                M.text("xds.hash-differs", given=hashes[0], sha1=sha1),
                entry.location + "/rim:Slot[@name='hash']",
            )
        if sizes and sizes[0] != size:
            out.fail(
                "DMP-X04",
                M.text("xds.size-differs", given=sizes[0], size=size),
                entry.location + "/rim:Slot[@name='size']",
            )


def _source_patient(entry: RegistryObject, doc: CdaDoc, out: Collector) -> None:
    """sourcePatientId is the IPP of the CDA, sourcePatientInfo agrees with its recordTarget."""
    source = entry.slot("sourcePatientId")
    ipps = [i for i in doc.patient_ids() if i.get("root") not in INS_OIDS and i.get("root") != INS_C_OID]
    if source and ipps:
        cx = parse_cx(source[0])
        wanted = {(i.get("extension"), i.get("root")) for i in ipps}
        if cx is None or cx.type_code != "PI" or (cx.id, cx.oid) not in wanted:
            out.fail(
                "DMP-I06",
                M.text("xds.source-patient-ipp", value=source[0], wanted=sorted(map(str, wanted))),
                entry.location + "/rim:Slot[@name='sourcePatientId']",
            )
    patient = doc.patient()
    infos = {v.split("|", 1)[0]: v.split("|", 1)[1] for v in entry.slot("sourcePatientInfo") if "|" in v}
    if patient is None or not infos:
        return
    loc = entry.location + "/rim:Slot[@name='sourcePatientInfo']"
    families = {text_of(f).upper() for f in doc.all(f"{PATIENT}/cda:name/cda:family")}
    pid5 = infos.get("PID-5", "").split("^")[0].upper()
    if pid5 and pid5 not in families:
        out.fail("DMP-I06", M.text("xds.pid5", pid5=pid5, names=sorted(families)), loc)
    birth = doc.at(f"{PATIENT}/cda:birthTime")
    if "PID-7" in infos and birth is not None and infos["PID-7"][:8] != (birth.get("value") or "")[:8]:
        out.fail("DMP-I06", M.text("xds.pid7", pid7=infos["PID-7"], birth=birth.get("value")), loc)
    gender = doc.at(f"{PATIENT}/cda:administrativeGenderCode")
    if "PID-8" in infos and gender is not None and infos["PID-8"] != gender.get("code"):
        out.fail("DMP-I06", M.text("xds.pid8", pid8=infos["PID-8"], gender=gender.get("code")), loc)
