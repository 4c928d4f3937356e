"""Structure of the XDS metadata of a DMP feed: SubmissionSet (DMP-X01, X02), DocumentEntries
(X03, slot formats incl. X04 hash/size syntax), XCN/XON formats (X10), sourcePatientId (I06,
metadata part). Lot-level rules (associations, signature, document parts) are in xds_lot.

Sources: IHE XDS.b, PDSM4DMP logical models, ANS mapping.md, the C# sample for the signature
entry (specs/dmp.md §2.1-§2.4, §1.4).
"""

from __future__ import annotations

import re

from conformance.formats.ins import INS_OIDS, parse_cx

from .collector import Collector
from .datatypes import dtm_problem, is_oid, xcn_problem, xon_problem
from .xds_codes import is_signature
from .xds_model import (
    DE_IDS,
    DE_OBJECT_TYPE,
    DE_SCHEMES,
    SS_IDS,
    SS_SCHEMES,
    RegistryObject,
    XdsMetadata,
    name_of,
)
from .xpaths import where

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


def rules(md: XdsMetadata, out: Collector) -> None:
    _submission_set(md, out)
    for entry in md.entries:
        _entry(entry, out)
    _authors(md, out)


def ins_cx_problem(value: str | None) -> str | None:
    if not value:
        return "patientId is missing"
    cx = parse_cx(value)
    if cx is None:
        return f"patientId {value!r} is not a CX <id>^^^&<OID>&ISO^NH"
    if cx.oid not in INS_OIDS or cx.type_code != "NH":
        kind = cx.type_code or "(empty)"
        return f"patientId {value!r} is not an INS (assigning authority {cx.oid}, type {kind})"
    if len(cx.id) != 15:
        return f"patientId {value!r}: the INS is not 15 characters"
    return None


def _submission_set(md: XdsMetadata, out: Collector) -> None:
    loc = where(md.request)
    out.cover(
        "DMP-X01",
        "one SubmissionSet with patientId, sourceId, uniqueId and submissionTime",
        "un lot de soumission avec patientId, sourceId, uniqueId et submissionTime",
        loc,
    )
    if len(md.submission_sets) != 1:
        out.fail(
            "DMP-X01",
            f"{len(md.submission_sets)} RegistryPackage classified as SubmissionSet, exactly one expected",
            f"{len(md.submission_sets)} RegistryPackage classés SubmissionSet, un seul attendu",
            loc,
        )
        if not md.submission_sets:
            return
    ss = md.submission_sets[0]
    problem = ins_cx_problem(ss.ext(SS_IDS["patientId"]))
    if problem:
        out.fail("DMP-X01", f"SubmissionSet {problem}", f"lot de soumission : {problem}", ss.location)
    for key in ("sourceId", "uniqueId"):
        value = ss.ext(SS_IDS[key]) or ""
        if not is_oid(value):
            out.fail(
                "DMP-X01",
                f"SubmissionSet {key} {value!r} is not an OID",
                f"le {key} du lot de soumission {value!r} n'est pas un OID",
                ss.location,
            )
    times = ss.slot("submissionTime")
    problem = dtm_problem(times[0]) if len(times) == 1 else f"{len(times)} values"
    if problem:
        out.fail(
            "DMP-X01",
            f"SubmissionSet submissionTime: {problem}",
            f"submissionTime du lot : {problem}",
            ss.location + "/rim:Slot[@name='submissionTime']",
        )
    authors = ss.coded(SS_SCHEMES["author"])
    out.cover(
        "DMP-X02",
        "SubmissionSet author and contentTypeCode present",
        "auteur et contentTypeCode du lot présents",
        ss.location,
    )
    if not authors or not any(a.slots.get("authorPerson") for a in authors):
        out.fail(
            "DMP-X02",
            "SubmissionSet has no author classification with authorPerson",
            "le lot de soumission n'a pas d'auteur avec authorPerson",
            ss.location,
        )
    if len(ss.coded(SS_SCHEMES["contentTypeCode"])) != 1:
        out.fail(
            "DMP-X02",
            "SubmissionSet needs exactly one contentTypeCode",
            "le lot de soumission doit porter exactement un contentTypeCode",
            ss.location,
        )


def _entry(entry: RegistryObject, out: Collector) -> None:
    loc = entry.location
    sig = is_signature(entry)
    out.cover(
        "DMP-X03",
        "DocumentEntries carry the required attributes, slots and classifications",
        "les fiches portent les attributs, slots et classifications requis",
        loc,
    )

    def bad(en: str, fr: str, where_: str = loc) -> None:
        out.fail("DMP-X03", en, fr, where_)

    if entry.el.get("objectType") != DE_OBJECT_TYPE:
        bad(
            f"objectType {entry.el.get('objectType')!r} is not the DocumentEntry type {DE_OBJECT_TYPE}",
            f"objectType {entry.el.get('objectType')!r} n'est pas le type DocumentEntry {DE_OBJECT_TYPE}",
        )
    mime = entry.el.get("mimeType", "")
    if mime not in (("text/xml",) if sig else CDA_MIME):
        bad(
            f"mimeType {mime!r} is not {' or '.join(CDA_MIME)}",
            f"mimeType {mime!r} n'est pas {' ou '.join(CDA_MIME)}",
        )
    if not sig:
        for name in DE_SLOTS:
            values = [v for v in entry.slot(name) if v]
            if not values:
                bad(
                    f"slot {name} is missing or empty",
                    f"le slot {name} est absent ou vide",
                    loc + f"/rim:Slot[@name='{name}']",
                )
        _slot_formats(entry, out)
    if not name_of(entry.el):
        bad("DocumentEntry has no title (rim:Name)", "la fiche n'a pas de titre (rim:Name)", loc + "/rim:Name")
    for key in SINGLE:
        n = len(entry.coded(DE_SCHEMES[key]))
        if n != 1:
            bad(
                f"{n} {key} classifications, exactly one expected",
                f"{n} classifications {key}, une seule attendue",
            )
    if not entry.coded(DE_SCHEMES["confidentialityCode"]):
        bad("no confidentialityCode classification", "aucune classification confidentialityCode")
    if not entry.coded(DE_SCHEMES["author"]):
        bad("no author classification", "aucune classification author")
    for key in ("patientId", "uniqueId"):
        if not entry.ext(DE_IDS[key]):
            bad(f"ExternalIdentifier {key} is missing", f"l'ExternalIdentifier {key} est absent")
    problem = ins_cx_problem(entry.ext(DE_IDS["patientId"]))
    if entry.ext(DE_IDS["patientId"]) and problem:
        bad(f"DocumentEntry {problem}", f"fiche : {problem}")


def _slot_formats(entry: RegistryObject, out: Collector) -> None:
    loc = entry.location
    for name in ("creationTime", "serviceStartTime", "serviceStopTime"):
        for value in entry.slot(name):
            problem = dtm_problem(value)
            if problem:
                out.fail(
                    "DMP-X03",
                    f"slot {name}: {problem}",
                    f"slot {name} : {problem}",
                    loc + f"/rim:Slot[@name='{name}']",
                )
    for value in entry.slot("languageCode"):
        if not _LANG.match(value):
            out.fail(
                "DMP-X03",
                f"languageCode {value!r} is not a language tag such as fr-FR",
                f"languageCode {value!r} n'est pas une étiquette de langue comme fr-FR",
                loc + "/rim:Slot[@name='languageCode']",
            )
    for value in entry.slot("hash"):
        if not _SHA1.match(value):
            out.fail(
                "DMP-X04",
                f"hash {value!r} is not a SHA-1 in hexadecimal",
                f"hash {value!r} n'est pas un SHA-1 hexadécimal",
                loc + "/rim:Slot[@name='hash']",
            )
    for value in entry.slot("size"):
        if not value.isdigit():
            out.fail(
                "DMP-X04",
                f"size {value!r} is not a byte count",
                f"size {value!r} n'est pas un nombre d'octets",
                loc + "/rim:Slot[@name='size']",
            )
    source = entry.slot("sourcePatientId")
    if source:
        out.cover("DMP-I06", "sourcePatientId is the IPP or the INS", "sourcePatientId est l'IPP ou l'INS", loc)
        cx = parse_cx(source[0])
        if cx is None or cx.type_code not in ("PI", "NH") or not cx.id:
            out.fail(
                "DMP-I06",
                f"sourcePatientId {source[0]!r} is not a CX <id>^^^&<OID>&ISO^PI (IPP) or ^NH (INS)",
                f"sourcePatientId {source[0]!r} n'est pas un CX <id>^^^&<OID>&ISO^PI (IPP) ou ^NH (INS)",
                loc + "/rim:Slot[@name='sourcePatientId']",
            )
        elif cx.type_code == "NH" and source[0] != entry.ext(DE_IDS["patientId"]):
            out.fail(
                "DMP-I06",
                "sourcePatientId of type NH must be the patientId (INS)",
                "un sourcePatientId de type NH doit être le patientId (INS)",
                loc + "/rim:Slot[@name='sourcePatientId']",
            )
    infos = entry.slot("sourcePatientInfo")
    if infos and not any(v.startswith("PID-5|") for v in infos):
        out.fail(
            "DMP-I06",
            "sourcePatientInfo has no PID-5 (patient name)",
            "sourcePatientInfo n'a pas de PID-5 (nom)",
            loc + "/rim:Slot[@name='sourcePatientInfo']",
        )


def _authors(md: XdsMetadata, out: Collector) -> None:
    pairs = [(ss, SS_SCHEMES["author"]) for ss in md.submission_sets]
    pairs += [(entry, DE_SCHEMES["author"]) for entry in md.entries]
    for obj, scheme in pairs:
        for author in obj.coded(scheme):
            out.cover(
                "DMP-X10",
                "authorPerson/legalAuthenticator are DMP XCN, authorInstitution a DMP XON",
                "authorPerson/legalAuthenticator sont des XCN DMP, authorInstitution un XON DMP",
                author.location,
            )
            for value in author.slots.get("authorPerson", []):
                problem = xcn_problem(value)
                if problem:
                    out.fail("DMP-X10", f"authorPerson: {problem}", f"authorPerson : {problem}", author.location)
            for value in author.slots.get("authorInstitution", []):
                problem = xon_problem(value)
                if problem:
                    out.fail(
                        "DMP-X10",
                        f"authorInstitution: {problem}",
                        f"authorInstitution : {problem}",
                        author.location,
                    )
    for entry in md.entries:
        for value in entry.slot("legalAuthenticator"):
            problem = xcn_problem(value)
            if problem:
                out.fail(
                    "DMP-X10",
                    f"legalAuthenticator: {problem}",
                    f"legalAuthenticator : {problem}",
                    entry.location + "/rim:Slot[@name='legalAuthenticator']",
                )
