"""XDS metadata against the CDA header they describe (DMP-C06), and the INS of the lot: only a
qualified identity is fed (DMP-I04, on what the DMP received).

Source: ANS mapping.md "Fiche" and PDSM4DMP DocumentEntryCDA mapping (specs/dmp.md §2.3, §5):
each metadata value is derived from one CDA header element, so any difference is a defect of
the feeding software. The comparisons that belong to another rule are judged with it: the N1
formatCode (X07) in xds_codes, the RPLC association (X12) in xds_lot, sourcePatientId and
sourcePatientInfo (I06) in xds_entries.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.ins import INS_OIDS, nir_problem, parse_cx
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc
from .collector import Collector
from .datatypes import parse_ts, parse_xcn, parse_xon, same_instant
from .ins_rules import NIR_ROOTS, qualified
from .xds_codes import FACILITY_SCHEMES, HL7_CONFIDENTIALITY, PRACTICE_SCHEME, TYPE_SCHEMES
from .xds_model import DE_IDS, DE_SCHEMES, SS_IDS, RegistryObject, XdsMetadata, name_of
from .xpaths import text_of

R = "DMP-C06"
# One mistake, one rule: the same code under a codingScheme its own rule refuses is that rule's finding
# (X05 typeCode, X09 facility type and practice setting), and an INS whose only difference is an invalid
# NIR key in the CDA is DMP-I02's. Any other difference between metadata and CDA header is C06's.
OWN_SCHEMES = {
    "typeCode": TYPE_SCHEMES,
    "healthcareFacilityTypeCode": FACILITY_SCHEMES,
    "practiceSettingCode": (PRACTICE_SCHEME,),
}


@check("xds-metadata", "dmp", R, "DMP-I04")
def check_coherence(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    for entry in md.entries:
        found = md.cda(entry)
        if found is None:
            continue  # signature entry, or no document here (DMP-X04 says so)
        doc, problem = found
        if doc is None:
            out.fail(R, M.text("coherence.unreadable", id=entry.id, problem=problem), entry.location)
            continue
        out.cover(R, M.text("coherence.ok"), entry.location)
        _compare(entry, doc, md, out)
        pid = parse_cx(entry.ext(DE_IDS["patientId"]) or "")
        if pid is not None:
            qualified(pid.id, entry.location, out, ctx)
    return out.finish()


def _differs(out: Collector, what: str, xds: object, cda: object, loc: str) -> None:
    out.fail(R, M.text("coherence.differs", what=what, xds=xds, cda=cda), loc)


def _coded_pair(entry: RegistryObject, key: str) -> tuple[str, str] | None:
    found = entry.coded(DE_SCHEMES[key])
    return (found[0].code, found[0].scheme) if found else None


def _attr_pair(doc: CdaDoc, path: str) -> tuple[str, str] | None:
    el = doc.at(path)
    return (el.get("code", ""), el.get("codeSystem", "")) if el is not None else None


def _compare(entry: RegistryObject, doc: CdaDoc, md: XdsMetadata, out: Collector) -> None:
    loc = entry.location
    doc_id = doc.at("cda:id")
    if doc_id is not None:
        expected = doc_id.get("root", "") + (f"^{doc_id.get('extension')}" if doc_id.get("extension") else "")
        if entry.ext(DE_IDS["uniqueId"]) != expected:
            _differs(out, "uniqueId vs ClinicalDocument/id", entry.ext(DE_IDS["uniqueId"]), expected, loc)
    pairs = (
        ("typeCode", "cda:code", "typeCode vs code"),
        (
            "healthcareFacilityTypeCode",
            "cda:componentOf/cda:encompassingEncounter/cda:location/cda:healthCareFacility/cda:code",
            "healthcareFacilityTypeCode vs healthCareFacility/code",
        ),
        (
            "practiceSettingCode",
            "cda:documentationOf/cda:serviceEvent/cda:performer/cda:assignedEntity/cda:representedOrganization/"
            "cda:standardIndustryClassCode",
            "practiceSettingCode vs performer standardIndustryClassCode",
        ),
    )
    for key, path, what in pairs:
        xds, cda = _coded_pair(entry, key), _attr_pair(doc, path)
        if (
            xds is not None
            and cda is not None
            and xds != cda
            and not (xds[0] == cda[0] and xds[1] not in OWN_SCHEMES[key])
        ):
            _differs(out, what, xds, cda, loc)
    title = text_of(doc.at("cda:title"))
    if name_of(entry.el) is not None and " ".join((name_of(entry.el) or "").split()) != title:
        _differs(out, "title", name_of(entry.el), title, loc)
    lang = doc.at("cda:languageCode")
    if entry.slot("languageCode") and lang is not None and entry.slot("languageCode")[0] != lang.get("code"):
        _differs(out, "languageCode", entry.slot("languageCode")[0], lang.get("code"), loc)
    conf = doc.at("cda:confidentialityCode")
    hl7 = [c.code for c in entry.coded(DE_SCHEMES["confidentialityCode"]) if c.scheme == HL7_CONFIDENTIALITY]
    if conf is not None and hl7 and conf.get("code") not in hl7:
        _differs(out, "confidentialityCode", hl7, conf.get("code"), loc)
    _times(entry, doc, out)
    _people(entry, doc, out)
    ins = doc.ins_ids()
    if ins:
        cda_ins = (ins[0].get("extension", ""), ins[0].get("root", ""))
        objects = [(entry, DE_IDS["patientId"], "DocumentEntry.patientId")]
        objects += [(ss, SS_IDS["patientId"], "SubmissionSet.patientId") for ss in md.submission_sets]
        for obj, scheme, what in objects:
            cx = parse_cx(obj.ext(scheme) or "")
            if (
                cx is not None
                and cx.oid in INS_OIDS
                and (cx.id, cx.oid) != cda_ins
                and not _cda_key_only((cx.id, cx.oid), cda_ins)
            ):
                _differs(out, f"{what} vs recordTarget INS", (cx.id, cx.oid), cda_ins, obj.location)


def _cda_key_only(xds: tuple[str, str], cda: tuple[str, str]) -> bool:
    """The CDA's INS-NIR differs from the metadata's only by a key that is invalid (DMP-I02 reports it)."""
    return (
        xds[1] == cda[1] in NIR_ROOTS
        and xds[0][:13] == cda[0][:13]
        and nir_problem(cda[0]) is not None
        and nir_problem(xds[0]) is None
    )


def _times(entry: RegistryObject, doc: CdaDoc, out: Collector) -> None:
    checks = (
        ("creationTime", "cda:effectiveTime"),
        ("serviceStartTime", "cda:documentationOf/cda:serviceEvent/cda:effectiveTime/cda:low"),
        ("serviceStopTime", "cda:documentationOf/cda:serviceEvent/cda:effectiveTime/cda:high"),
    )
    for slot, path in checks:
        el = doc.at(path)
        values = entry.slot(slot)
        if el is None or not el.get("value"):
            continue
        if not values:
            if slot == "serviceStopTime":
                out.fail(R, M.text("coherence.stop-time-missing"), entry.location)
            continue
        ts, _ = parse_ts(el.get("value", ""))
        if ts is None:
            continue  # malformed CDA time: reported by the CDA rules
        same = same_instant(values[0], ts)
        if same is None:
            out.warn(R, M.text("coherence.no-offset", slot=slot, value=el.get("value")), entry.location)
        elif not same:
            _differs(out, f"{slot} (UTC)", values[0], f"{el.get('value')} = {ts.utc_digits()} UTC", entry.location)


def _people(entry: RegistryObject, doc: CdaDoc, out: Collector) -> None:
    author_ids = {i.get("extension") for i in doc.all("cda:author/cda:assignedAuthor/cda:id")}
    org_ids = {i.get("extension") for i in doc.all("cda:author/cda:assignedAuthor/cda:representedOrganization/cda:id")}
    for author in entry.coded(DE_SCHEMES["author"]):
        for value in author.slots.get("authorPerson", []):
            xcn = parse_xcn(value)
            if xcn.id and xcn.id not in author_ids:
                _differs(
                    out,
                    "authorPerson id vs author/assignedAuthor/id",
                    xcn.id,
                    sorted(map(str, author_ids)),
                    author.location,
                )
        for value in author.slots.get("authorInstitution", []):
            xon = parse_xon(value)
            if xon.id and org_ids and xon.id not in org_ids:
                _differs(
                    out,
                    "authorInstitution id vs representedOrganization/id",
                    xon.id,
                    sorted(map(str, org_ids)),
                    author.location,
                )
    legal = doc.at("cda:legalAuthenticator/cda:assignedEntity/cda:id")
    for value in entry.slot("legalAuthenticator"):
        xcn = parse_xcn(value)
        if legal is not None and xcn.id != legal.get("extension"):
            _differs(out, "legalAuthenticator id", xcn.id, legal.get("extension"), entry.location)
