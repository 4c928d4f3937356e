"""XDS metadata against the CDA header they describe (DMP-C06), plus the rules that need both:
N1 formatCode = ASS_A12(mediaType) (X07), RPLC association <-> CDA relatedDocument (X12),
sourcePatientId/sourcePatientInfo against the recordTarget (I06), the INS of the lot (I04).

Source: ANS mapping.md "Fiche" and PDSM4DMP DocumentEntryCDA mapping (specs/dmp.md §2.3, §5):
each metadata value is derived from one CDA header element, so any difference is a defect of
the feeding software.
"""

from __future__ import annotations

from conformance.formats.ins import INS_OIDS, nir_problem, parse_cx
from conformance.model import CheckContext

from . import ins_rules
from .cda_body import ASS_A12
from .cda_doc import CdaDoc, open_cda
from .collector import Collector
from .datatypes import parse_ts, parse_xcn, parse_xon, same_instant
from .xds_codes import FACILITY_SCHEMES, HL7_CONFIDENTIALITY, PRACTICE_SCHEME, TYPE_SCHEMES, is_signature
from .xds_model import DE_IDS, DE_SCHEMES, RPLC, SS_IDS, RegistryObject, XdsMetadata, name_of
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


def rules(md: XdsMetadata, out: Collector, ctx: CheckContext) -> None:
    for entry in md.entries:
        if is_signature(entry):
            continue
        part = md.documents.get(entry.id)
        if part is None or part.data is None:
            continue  # reported by DMP-X04
        doc, problem = open_cda(part.data)
        if doc is None:
            out.fail(
                R,
                f"document {entry.id!r} is not a readable CDA: {problem}",
                f"le document {entry.id!r} n'est pas un CDA lisible : {problem}",
                entry.location,
            )
            continue
        out.cover(
            R,
            "metadata agree with the CDA header",
            "les métadonnées concordent avec l'en-tête CDA",
            entry.location,
        )
        _compare(entry, doc, md, out)
        _source_patient(entry, doc, out)
        _format(entry, doc, out)
        _replacement(entry, doc, md, out)
        pid = parse_cx(entry.ext(DE_IDS["patientId"]) or "")
        if pid is not None:
            ins_rules.qualified(pid.id, entry.location, out, ctx)


def _differs(out: Collector, what: str, xds: object, cda: object, loc: str) -> None:
    out.fail(
        R,
        f"{what}: metadata {xds!r} differs from the CDA header {cda!r}",
        f"{what} : la métadonnée {xds!r} diffère de l'en-tête CDA {cda!r}",
        loc,
    )


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
        xds[1] == cda[1] in ins_rules.NIR_ROOTS
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
                out.fail(
                    R,
                    "serviceStopTime is missing although serviceEvent/effectiveTime/high is given",
                    "serviceStopTime est absent alors que serviceEvent/effectiveTime/high est renseigné",
                    entry.location,
                )
            continue
        ts, _ = parse_ts(el.get("value", ""))
        if ts is None:
            continue  # malformed CDA time: reported by the CDA rules
        same = same_instant(values[0], ts)
        if same is None:
            out.warn(
                R,
                f"{slot}: CDA time {el.get('value')} has no time-zone offset, UTC comparison impossible",
                f"{slot} : l'heure CDA {el.get('value')} n'a pas de décalage horaire, comparaison UTC impossible",
                entry.location,
            )
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


def _source_patient(entry: RegistryObject, doc: CdaDoc, out: Collector) -> None:
    source = entry.slot("sourcePatientId")
    ipps = [i for i in doc.patient_ids() if i.get("root") not in INS_OIDS and i.get("root") != "1.2.250.1.213.1.4.2"]
    if source and ipps:
        cx = parse_cx(source[0])
        wanted = {(i.get("extension"), i.get("root")) for i in ipps}
        if cx is None or cx.type_code != "PI" or (cx.id, cx.oid) not in wanted:
            out.fail(
                "DMP-I06",
                f"sourcePatientId {source[0]!r} is not the IPP of the CDA ({sorted(map(str, wanted))}^PI)",
                f"sourcePatientId {source[0]!r} n'est pas l'IPP du CDA ({sorted(map(str, wanted))}^PI)",
                entry.location + "/rim:Slot[@name='sourcePatientId']",
            )
    patient = doc.patient()
    infos = {v.split("|", 1)[0]: v.split("|", 1)[1] for v in entry.slot("sourcePatientInfo") if "|" in v}
    if patient is None or not infos:
        return
    loc = entry.location + "/rim:Slot[@name='sourcePatientInfo']"
    families = {text_of(f).upper() for f in doc.all("cda:recordTarget/cda:patientRole/cda:patient/cda:name/cda:family")}
    pid5 = infos.get("PID-5", "").split("^")[0].upper()
    if pid5 and pid5 not in families:
        out.fail(
            "DMP-I06",
            f"sourcePatientInfo PID-5 family {pid5!r} is none of the CDA names {sorted(families)}",
            f"le nom PID-5 {pid5!r} de sourcePatientInfo n'est aucun des noms du CDA {sorted(families)}",
            loc,
        )
    birth = doc.at("cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime")
    if "PID-7" in infos and birth is not None and infos["PID-7"][:8] != (birth.get("value") or "")[:8]:
        out.fail(
            "DMP-I06",
            f"sourcePatientInfo PID-7 {infos['PID-7']!r} differs from birthTime {birth.get('value')!r}",
            f"PID-7 {infos['PID-7']!r} diffère de birthTime {birth.get('value')!r}",
            loc,
        )
    gender = doc.at("cda:recordTarget/cda:patientRole/cda:patient/cda:administrativeGenderCode")
    if "PID-8" in infos and gender is not None and infos["PID-8"] != gender.get("code"):
        out.fail(
            "DMP-I06",
            f"sourcePatientInfo PID-8 {infos['PID-8']!r} differs from administrativeGenderCode {gender.get('code')!r}",
            f"PID-8 {infos['PID-8']!r} diffère de administrativeGenderCode {gender.get('code')!r}",
            loc,
        )


def _format(entry: RegistryObject, doc: CdaDoc, out: Collector) -> None:
    text = doc.at("cda:component/cda:nonXMLBody/cda:text")
    if text is None:
        return
    expected = ASS_A12.get(text.get("mediaType", ""))
    for c in entry.coded(DE_SCHEMES["formatCode"]):
        if expected and c.code != expected:
            out.fail(
                "DMP-X07",
                f"N1 document of mediaType {text.get('mediaType')}: formatCode must be {expected} "
                f"(ASS_A12), found {c.code}",
                f"document N1 de mediaType {text.get('mediaType')} : le formatCode doit être {expected} "
                f"(ASS_A12), trouvé {c.code}",
                c.location,
            )


def _replacement(entry: RegistryObject, doc: CdaDoc, md: XdsMetadata, out: Collector) -> None:
    related = doc.at("cda:relatedDocument[@typeCode='RPLC']/cda:parentDocument/cda:id")
    rplc = [a for a in md.associations if a.type == RPLC and a.source == entry.id]
    if related is not None and not rplc:
        out.fail(
            "DMP-X12",
            "the CDA replaces a document (relatedDocument RPLC) but the lot has no RPLC association",
            "le CDA remplace un document (relatedDocument RPLC) mais le lot n'a pas d'association RPLC",
            entry.location,
        )
    elif rplc and related is None:
        out.fail(
            "DMP-X12",
            "RPLC association without relatedDocument RPLC/parentDocument/id in the CDA",
            "association RPLC sans relatedDocument RPLC/parentDocument/id dans le CDA",
            entry.location,
        )
