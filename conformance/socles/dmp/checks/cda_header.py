"""CI-SIS "structuration minimale" of the CDA header (DMP-C02): the document-level elements, and
the participant elements whose presence and form the structuration requires.

Source: TestContenuCDA ASIP-STRUCT-MIN-StrucMin.sch (specs/dmp.md §3.1, §3.2). What the
participants must contain for their own rules (author DMP-C07, custodian DMP-C08) is in
cda_participants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc, exactly_once
from .cda_participants import header_participants
from .collector import Collector
from .datatypes import is_uid, parse_ts
from .valuesets import GENDER, TYPE_CODE, Membership, judge_code, lookup
from .xpaths import text_of, where

R = "DMP-C02"
TEMPLATE_HL7_FR = "2.16.840.1.113883.2.8.2.1"
TEMPLATE_CISIS = "1.2.250.1.213.1.1.1.1"
CONFIDENTIALITY_SYSTEM = "2.16.840.1.113883.5.25"
_LANG = re.compile(r"^[a-z]{2}-[A-Z]{2}$")
_QUALIFIERS = (
    ("family", {"BR", "SP", "CL"}, "header.family-qualifier"),
    ("given", {"BR", "CL"}, "header.given-qualifier"),
)


@check("cda", "dmp", R)
def check_header(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    out.cover(R, M.text("header.ok"), doc.base)
    _realm_type_templates(doc, out)
    _identity(doc, out)
    _code_title_time(doc, out)
    _confidentiality_language(doc, out)
    _record_target(doc, out)
    header_participants(doc, out)
    return out.finish()


def _one(doc: CdaDoc, out: Collector, name: str) -> etree._Element | None:
    """The single `name` child, or a failure saying how many there are."""
    found = doc.all(f"cda:{name}")
    if len(found) == 1:
        return found[0]
    if not found:
        out.fail(R, M.text("header.once-missing", name=name), where(doc.root, f"cda:{name}"))
    else:
        out.fail(R, M.text("header.once-repeated", name=name, count=len(found)), where(found[1]))
    return None


def _realm_type_templates(doc: CdaDoc, out: Collector) -> None:
    realm = doc.all("cda:realmCode")
    if len(realm) != 1 or realm[0].get("code") != "FR":
        out.fail(
            R,
            M.text("header.realm", found=[r.get("code") for r in realm]),
            where(realm[0]) if realm else where(doc.root, "cda:realmCode"),
        )
    type_ids = doc.all("cda:typeId")
    if (
        len(type_ids) != 1
        or type_ids[0].get("root") != "2.16.840.1.113883.1.3"
        or type_ids[0].get("extension") != "POCD_HD000040"
    ):
        out.fail(R, M.text("header.type-id"), where(type_ids[0]) if type_ids else where(doc.root, "cda:typeId"))
    roots = [t.get("root") for t in doc.all("cda:templateId")]
    for oid, label in ((TEMPLATE_HL7_FR, "HL7 France"), (TEMPLATE_CISIS, "CI-SIS")):
        n = roots.count(oid)
        if n != 1:
            out.fail(
                R,
                M.text("header.template-count", oid=oid, label=label, count=n),
                where(doc.root, f"cda:templateId[@root='{oid}']"),
            )
    if len(roots) < 3:
        out.fail(R, M.text("header.no-volet-template"), where(doc.root, "cda:templateId"))


def _identity(doc: CdaDoc, out: Collector) -> None:
    doc_id = _one(doc, out, "id")
    if doc_id is not None:
        root = doc_id.get("root", "")
        if not is_uid(root):
            out.fail(R, M.text("header.id-root", root=root), where(doc_id) + "/@root")
    set_id = _one(doc, out, "setId")
    if set_id is not None and not is_uid(set_id.get("root", "")):
        out.fail(R, M.text("header.set-id-root"), where(set_id) + "/@root")
    version = _one(doc, out, "versionNumber")
    if version is not None:
        value = version.get("value", "")
        if not value.isdigit() or int(value) < 1:
            out.fail(R, M.text("header.version", value=value), where(version) + "/@value")


def _code_title_time(doc: CdaDoc, out: Collector) -> None:
    code = _one(doc, out, "code")
    if code is not None:
        c, system = code.get("code"), code.get("codeSystem")
        loc = where(code)
        missing = [a for a in ("code", "codeSystem", "displayName") if not code.get(a)]
        if missing:
            out.fail(R, M.text("header.code-attributes", missing=", @".join(missing)), loc)
        if c and system:
            look = lookup(TYPE_CODE, c, system)
            if look.membership is Membership.OUT:
                out.fail(R, M.text("header.type-code", code=c, system=system, valueset=look.name), loc)
            elif look.membership is Membership.MISSING:
                out.warn(R, M.text("code.valueset-missing", valueset=look.name, what="document type code"), loc)
    title = _one(doc, out, "title")
    if title is not None and not text_of(title):
        out.fail(R, M.text("cda.empty", what="ClinicalDocument/title"), where(title))
    eff = _one(doc, out, "effectiveTime")
    if eff is not None:
        loc = where(eff) + "/@value"
        ts, problem = parse_ts(eff.get("value", ""))
        if ts is None:
            out.fail(R, M.text("field.problem", what="effectiveTime", problem=problem), loc)
        elif ts.has_time and ts.offset is None:
            out.warn(R, M.text("header.effective-time-offset"), loc)


def _confidentiality_language(doc: CdaDoc, out: Collector) -> None:
    conf = _one(doc, out, "confidentialityCode")
    if conf is not None and (
        conf.get("code") not in ("N", "R", "V") or conf.get("codeSystem") != CONFIDENTIALITY_SYSTEM
    ):
        out.fail(
            R,
            M.text(
                "header.confidentiality",
                code=conf.get("code"),
                system=conf.get("codeSystem"),
                expected=CONFIDENTIALITY_SYSTEM,
            ),
            where(conf),
        )
    lang = _one(doc, out, "languageCode")
    if lang is not None and not _LANG.match(lang.get("code", "")):
        out.fail(R, M.text("header.language", code=lang.get("code")), where(lang))


def _record_target(doc: CdaDoc, out: Collector) -> None:
    targets = doc.all("cda:recordTarget")
    if not exactly_once(out, R, targets, "recordTarget", where(doc.root, "cda:recordTarget")):
        return
    ids = doc.patient_ids()
    if not ids:
        out.fail(R, M.text("header.patient-no-id"), where(targets[0], "cda:patientRole/cda:id"))
    for pid in ids:
        if not pid.get("root") or not pid.get("extension"):
            out.fail(R, M.text("header.patient-id-parts"), where(pid))
    patient = doc.patient()
    if patient is None:
        out.fail(
            R,
            M.text("cda.missing", what="recordTarget/patientRole/patient"),
            where(targets[0], "cda:patientRole/cda:patient"),
        )
        return
    for part, allowed, key in _QUALIFIERS:
        for name in doc.all(f"cda:recordTarget/cda:patientRole/cda:patient/cda:name/cda:{part}[@qualifier]"):
            if name.get("qualifier") not in allowed:
                out.fail(R, M.text(key, qualifier=name.get("qualifier")), where(name))
    births = doc.all("cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime")
    exactly_once(out, R, births, "patient/birthTime", where(patient, "cda:birthTime"))
    gender = doc.at("cda:recordTarget/cda:patientRole/cda:patient/cda:administrativeGenderCode")
    if gender is not None and gender.get("code"):
        judge_code(
            out, R, GENDER, gender.get("code"), gender.get("codeSystem"), "administrativeGenderCode", where(gender)
        )
