"""CI-SIS "structuration minimale" of the CDA header: the document-level elements (DMP-C02).

Source: TestContenuCDA ASIP-STRUCT-MIN-StrucMin.sch (specs/dmp.md §3.1, §3.2). Participants
(author, custodian, legalAuthenticator, documentationOf, componentOf) are in cda_participants.
"""

from __future__ import annotations

import re

from lxml import etree

from .cda_doc import CdaDoc
from .collector import Collector
from .datatypes import is_uid, parse_ts
from .valuesets import GENDER, TYPE_CODE, Membership, lookup, missing_messages
from .xpaths import text_of, where

R = "DMP-C02"
TEMPLATE_HL7_FR = "2.16.840.1.113883.2.8.2.1"
TEMPLATE_CISIS = "1.2.250.1.213.1.1.1.1"
CONFIDENTIALITY_SYSTEM = "2.16.840.1.113883.5.25"
_LANG = re.compile(r"^[a-z]{2}-[A-Z]{2}$")
_FAMILY_QUALIFIERS = {"BR", "SP", "CL"}
_GIVEN_QUALIFIERS = {"BR", "CL"}


def _one(doc: CdaDoc, out: Collector, name: str, fr_name: str) -> etree._Element | None:
    """The single `name` child, or a failure saying how many there are."""
    found = doc.all(f"cda:{name}")
    if len(found) == 1:
        return found[0]
    if not found:
        out.fail(
            R,
            f"ClinicalDocument/{name} is missing (required 1..1)",
            f"ClinicalDocument/{fr_name} est absent (obligatoire 1..1)",
            where(doc.root, f"cda:{name}"),
        )
    else:
        out.fail(
            R,
            f"ClinicalDocument/{name} occurs {len(found)} times (1..1)",
            f"ClinicalDocument/{fr_name} est présent {len(found)} fois (1..1)",
            where(found[1]),
        )
    return None


def rules(doc: CdaDoc, out: Collector) -> None:
    out.cover(
        R,
        "CDA header meets the CI-SIS structuration minimale (document-level elements)",
        "L'en-tête CDA respecte la structuration minimale du CI-SIS (éléments du document)",
        doc.base,
    )
    _realm_type_templates(doc, out)
    _identity(doc, out)
    _code_title_time(doc, out)
    _confidentiality_language(doc, out)
    _record_target(doc, out)


def _realm_type_templates(doc: CdaDoc, out: Collector) -> None:
    realm = doc.all("cda:realmCode")
    if len(realm) != 1 or realm[0].get("code") != "FR":
        out.fail(
            R,
            f"realmCode must occur once with code FR (found {[r.get('code') for r in realm]})",
            f"realmCode doit être présent une fois avec code FR (trouvé {[r.get('code') for r in realm]})",
            where(realm[0]) if realm else where(doc.root, "cda:realmCode"),
        )
    type_ids = doc.all("cda:typeId")
    if (
        len(type_ids) != 1
        or type_ids[0].get("root") != "2.16.840.1.113883.1.3"
        or type_ids[0].get("extension") != "POCD_HD000040"
    ):
        out.fail(
            R,
            "typeId must occur once with root 2.16.840.1.113883.1.3 and extension POCD_HD000040",
            "typeId doit être présent une fois avec root 2.16.840.1.113883.1.3 et extension POCD_HD000040",
            where(type_ids[0]) if type_ids else where(doc.root, "cda:typeId"),
        )
    roots = [t.get("root") for t in doc.all("cda:templateId")]
    for oid, label in ((TEMPLATE_HL7_FR, "HL7 France"), (TEMPLATE_CISIS, "CI-SIS")):
        n = roots.count(oid)
        if n != 1:
            out.fail(
                R,
                f"templateId {oid} ({label}) must occur exactly once (found {n})",
                f"le templateId {oid} ({label}) doit être présent exactement une fois (trouvé {n})",
                where(doc.root, f"cda:templateId[@root='{oid}']"),
            )
    if len(roots) < 3:
        out.fail(
            R,
            "no templateId of the volet next to the HL7 France and CI-SIS ones",
            "aucun templateId de volet en plus de ceux de HL7 France et du CI-SIS",
            where(doc.root, "cda:templateId"),
        )


def _identity(doc: CdaDoc, out: Collector) -> None:
    doc_id = _one(doc, out, "id", "id")
    if doc_id is not None:
        root = doc_id.get("root", "")
        if not is_uid(root):
            out.fail(
                R,
                f"ClinicalDocument/id/@root {root!r} is not an OID, UUID or ruid",
                f"ClinicalDocument/id/@root {root!r} n'est ni un OID, ni un UUID, ni un ruid",
                where(doc_id) + "/@root",
            )
    set_id = _one(doc, out, "setId", "setId")
    if set_id is not None and not is_uid(set_id.get("root", "")):
        out.fail(
            R,
            "setId/@root is not an OID, UUID or ruid",
            "setId/@root n'est ni un OID, ni un UUID, ni un ruid",
            where(set_id) + "/@root",
        )
    version = _one(doc, out, "versionNumber", "versionNumber")
    if version is not None:
        value = version.get("value", "")
        if not value.isdigit() or int(value) < 1:
            out.fail(
                R,
                f"versionNumber/@value {value!r} is not a positive integer",
                f"versionNumber/@value {value!r} n'est pas un entier positif",
                where(version) + "/@value",
            )


def _code_title_time(doc: CdaDoc, out: Collector) -> None:
    code = _one(doc, out, "code", "code")
    if code is not None:
        c, system = code.get("code"), code.get("codeSystem")
        loc = where(code)
        missing = [a for a in ("code", "codeSystem", "displayName") if not code.get(a)]
        if missing:
            out.fail(
                R,
                f"ClinicalDocument/code lacks @{', @'.join(missing)}",
                f"ClinicalDocument/code n'a pas @{', @'.join(missing)}",
                loc,
            )
        if c and system:
            look = lookup(TYPE_CODE, c, system)
            if look.membership is Membership.OUT:
                out.fail(
                    R,
                    f"document type {c} ({system}) is not in {look.name}",
                    f"le type de document {c} ({system}) n'appartient pas au {look.name}",
                    loc,
                )
            elif look.membership is Membership.MISSING:
                out.warn(R, *missing_messages(look, "document type code"), loc)
    title = _one(doc, out, "title", "title")
    if title is not None and not text_of(title):
        out.fail(R, "ClinicalDocument/title is empty", "ClinicalDocument/title est vide", where(title))
    eff = _one(doc, out, "effectiveTime", "effectiveTime")
    if eff is not None:
        loc = where(eff) + "/@value"
        ts, problem = parse_ts(eff.get("value", ""))
        if ts is None:
            out.fail(R, f"effectiveTime: {problem}", f"effectiveTime : {problem}", loc)
        elif ts.has_time and ts.offset is None:
            out.warn(
                R,
                "effectiveTime has a time but no time-zone offset: XDS creationTime (UTC) is ambiguous",
                "effectiveTime porte une heure sans décalage horaire : le creationTime XDS (UTC) est ambigu",
                loc,
            )


def _confidentiality_language(doc: CdaDoc, out: Collector) -> None:
    conf = _one(doc, out, "confidentialityCode", "confidentialityCode")
    if conf is not None and (
        conf.get("code") not in ("N", "R", "V") or conf.get("codeSystem") != CONFIDENTIALITY_SYSTEM
    ):
        out.fail(
            R,
            f"confidentialityCode {conf.get('code')!r} ({conf.get('codeSystem')}) is not N, R or V "
            f"of {CONFIDENTIALITY_SYSTEM}",
            f"confidentialityCode {conf.get('code')!r} ({conf.get('codeSystem')}) n'est pas N, R ou V "
            f"de {CONFIDENTIALITY_SYSTEM}",
            where(conf),
        )
    lang = _one(doc, out, "languageCode", "languageCode")
    if lang is not None and not _LANG.match(lang.get("code", "")):
        out.fail(
            R,
            f"languageCode {lang.get('code')!r} does not match ll-CC (e.g. fr-FR)",
            f"languageCode {lang.get('code')!r} n'est pas de la forme ll-CC (ex. fr-FR)",
            where(lang),
        )


def _record_target(doc: CdaDoc, out: Collector) -> None:
    targets = doc.all("cda:recordTarget")
    if len(targets) != 1:
        out.fail(
            R,
            f"recordTarget must occur exactly once (found {len(targets)})",
            f"recordTarget doit être présent exactement une fois (trouvé {len(targets)})",
            where(doc.root, "cda:recordTarget"),
        )
        if not targets:
            return
    ids = doc.patient_ids()
    if not ids:
        out.fail(
            R,
            "recordTarget/patientRole has no id",
            "recordTarget/patientRole n'a pas d'id",
            where(targets[0], "cda:patientRole/cda:id"),
        )
    for pid in ids:
        if not pid.get("root") or not pid.get("extension"):
            out.fail(
                R,
                "patientRole/id must have @root and @extension",
                "patientRole/id doit avoir @root et @extension",
                where(pid),
            )
    patient = doc.patient()
    if patient is None:
        out.fail(
            R,
            "recordTarget/patientRole/patient is missing",
            "recordTarget/patientRole/patient est absent",
            where(targets[0], "cda:patientRole/cda:patient"),
        )
        return
    for fam in doc.all("cda:recordTarget/cda:patientRole/cda:patient/cda:name/cda:family[@qualifier]"):
        if fam.get("qualifier") not in _FAMILY_QUALIFIERS:
            out.fail(
                R,
                f"family qualifier {fam.get('qualifier')!r} is not BR, SP or CL",
                f"le qualifiant de family {fam.get('qualifier')!r} n'est pas BR, SP ou CL",
                where(fam),
            )
    for giv in doc.all("cda:recordTarget/cda:patientRole/cda:patient/cda:name/cda:given[@qualifier]"):
        if giv.get("qualifier") not in _GIVEN_QUALIFIERS:
            out.fail(
                R,
                f"given qualifier {giv.get('qualifier')!r} is not BR or CL",
                f"le qualifiant de given {giv.get('qualifier')!r} n'est pas BR ou CL",
                where(giv),
            )
    births = doc.all("cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime")
    if len(births) != 1:
        out.fail(
            R,
            f"patient/birthTime must occur exactly once (found {len(births)})",
            f"patient/birthTime doit être présent exactement une fois (trouvé {len(births)})",
            where(patient, "cda:birthTime"),
        )
    gender = doc.at("cda:recordTarget/cda:patientRole/cda:patient/cda:administrativeGenderCode")
    if gender is not None and gender.get("code"):
        look = lookup(GENDER, gender.get("code", ""), gender.get("codeSystem"))
        if look.membership is Membership.OUT:
            out.fail(
                R,
                f"administrativeGenderCode {gender.get('code')!r} ({gender.get('codeSystem')}) is not in {look.name}",
                f"administrativeGenderCode {gender.get('code')!r} ({gender.get('codeSystem')}) "
                f"n'appartient pas au {look.name}",
                where(gender),
            )
        elif look.membership is Membership.MISSING:
            out.warn(R, *missing_messages(look, "administrativeGenderCode"), where(gender))
