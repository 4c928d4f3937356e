"""CDA header participants: author (DMP-C07), custodian (DMP-C08), and the legalAuthenticator,
documentationOf/serviceEvent, componentOf/encompassingEncounter, relatedDocument and component
parts of the structuration minimale (DMP-C02, judged with the rest of the header).

Source: TestContenuCDA CI-SISAuthor / CI-SISCustodian and StrucMin rules (specs/dmp.md §3.1,
§3.3). These elements feed the XDS author, legalAuthenticator, serviceStart/StopTime,
practiceSettingCode and healthcareFacilityTypeCode metadata.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc, exactly_once
from .collector import Collector
from .datatypes import PS_ID_OID, STRUCT_ID_OID, XSD_TS
from .valuesets import AUTHOR_SPECIALTY, FACILITY_CDA, PRACTICE_SETTING, judge_code
from .xpaths import first, text_of, where

C02, C07, C08 = "DMP-C02", "DMP-C07", "DMP-C08"
CUSTODIAN_ROOTS = (STRUCT_ID_OID, "1.2.250.1.213.4.1")


@check("cda", "dmp", C07, C08)
def check_author_and_custodian(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    _authors(doc, out)
    _custodian(doc, out)
    return out.finish()


def header_participants(doc: CdaDoc, out: Collector) -> None:
    """The DMP-C02 parts: participants the structuration minimale requires, and their form."""
    if not doc.all("cda:author"):
        out.fail(C02, M.text("author.none"), where(doc.root, "cda:author"))
    exactly_once(out, C02, doc.all("cda:custodian"), "custodian", where(doc.root, "cda:custodian"))
    _legal_authenticator(doc, out)
    _documentation_of(doc, out)
    _component_of(doc, out)
    _others(doc, out)


def _coded(out: Collector, req: str, el: etree._Element, names: tuple[str, ...], what: str) -> None:
    """`el` (@code/@codeSystem) must be in the value set; warn when the set is not available."""
    judge_code(out, req, names, el.get("code"), el.get("codeSystem"), what, where(el))


def _time(out: Collector, req: str, parent: etree._Element, who: str) -> None:
    time = first(parent, "cda:time")
    if time is None:
        out.fail(req, M.text("cda.missing", what=f"{who}/time"), where(parent, "cda:time"))
        return
    value = time.get("value", "")
    if not XSD_TS.match(value) and time.get("nullFlavor") is None:
        out.fail(req, M.text("participant.time-value", who=who, value=value), where(time) + "/@value")


def _missing(out: Collector, req: str, parent: etree._Element, path: str, what: str) -> etree._Element | None:
    """The element at `path` under `parent`, or a failure saying `what` is missing."""
    el = first(parent, path)
    if el is None:
        out.fail(req, M.text("cda.missing", what=what), where(parent, path))
    return el


def _authors(doc: CdaDoc, out: Collector) -> None:
    authors = doc.all("cda:author")
    if not authors:
        return  # DMP-C02
    out.cover(C07, M.text("author.ok"), where(authors[0]))
    for author in authors:
        _time(out, C07, author, "author")
        assigned = _missing(out, C07, author, "cda:assignedAuthor", "author/assignedAuthor")
        if assigned is None:
            continue
        ident = first(assigned, "cda:id")
        if ident is None or not ident.get("root"):
            out.fail(C07, M.text("author.no-id"), where(assigned, "cda:id"))
        device = first(assigned, "cda:assignedAuthoringDevice")
        if device is not None:
            for part in ("manufacturerModelName", "softwareName"):
                if not text_of(first(device, f"cda:{part}")):
                    out.fail(C07, M.text("author.device-part", part=part), where(device, f"cda:{part}"))
        else:
            if ident is not None and ident.get("root") and ident.get("root") != PS_ID_OID:
                out.fail(C07, M.text("author.person-root", root=ident.get("root"), expected=PS_ID_OID), where(ident))
            if not text_of(first(assigned, "cda:assignedPerson/cda:name/cda:family")):
                out.fail(C07, M.text("author.no-person"), where(assigned, "cda:assignedPerson"))
        code = first(assigned, "cda:code")
        if code is not None and code.get("code"):
            _coded(out, C07, code, AUTHOR_SPECIALTY, "assignedAuthor/code")
        org = first(assigned, "cda:representedOrganization")
        if org is None:
            continue  # 0..1 in the CI-SIS header (official examples SDM-MR, TLM-DA have none)
        org_id = first(org, "cda:id")
        if org_id is None or org_id.get("root") != STRUCT_ID_OID or not org_id.get("extension"):
            out.fail(
                C07,
                M.text("author.organization-id", root=STRUCT_ID_OID),
                where(org_id) if org_id is not None else where(org, "cda:id"),
            )
        sic = first(org, "cda:standardIndustryClassCode")
        if sic is not None and sic.get("code"):
            _coded(out, C07, sic, PRACTICE_SETTING, "representedOrganization/standardIndustryClassCode")


def _custodian(doc: CdaDoc, out: Collector) -> None:
    custodians = doc.all("cda:custodian")
    if not custodians:
        return  # DMP-C02
    out.cover(C08, M.text("custodian.ok"), where(custodians[0]))
    path = "cda:assignedCustodian/cda:representedCustodianOrganization/cda:id"
    ident = _missing(out, C08, custodians[0], path, "representedCustodianOrganization/id")
    if ident is not None and ident.get("root") not in CUSTODIAN_ROOTS:
        out.fail(
            C08,
            M.text("custodian.root", root=ident.get("root"), first=CUSTODIAN_ROOTS[0], second=CUSTODIAN_ROOTS[1]),
            where(ident),
        )


def _legal_authenticator(doc: CdaDoc, out: Collector) -> None:
    found = doc.all("cda:legalAuthenticator")
    if not exactly_once(out, C02, found, "legalAuthenticator", where(doc.root, "cda:legalAuthenticator")):
        return
    legal = found[0]
    _time(out, C02, legal, "legalAuthenticator")
    sig = first(legal, "cda:signatureCode")
    if sig is None or sig.get("code") != "S":
        out.fail(C02, M.text("legal.signature-code"), where(legal, "cda:signatureCode"))
    ident = first(legal, "cda:assignedEntity/cda:id")
    if ident is None or not ident.get("root"):
        out.fail(
            C02,
            M.text("cda.missing", what="legalAuthenticator/assignedEntity/id"),
            where(legal, "cda:assignedEntity/cda:id"),
        )
    org_id = first(legal, "cda:assignedEntity/cda:representedOrganization/cda:id")
    if org_id is not None and org_id.get("root") != STRUCT_ID_OID:
        out.fail(C02, M.text("legal.organization-root", root=STRUCT_ID_OID), where(org_id))


def _documentation_of(doc: CdaDoc, out: Collector) -> None:
    events = doc.all("cda:documentationOf/cda:serviceEvent")
    if not events:
        out.fail(C02, M.text("event.missing"), where(doc.root, "cda:documentationOf/cda:serviceEvent"))
        return
    event = events[0]
    lows = [e for e in event.iterchildren("{urn:hl7-org:v3}effectiveTime")]
    if len(lows) != 1 or first(lows[0], "cda:low") is None:
        out.fail(C02, M.text("event.low"), where(event, "cda:effectiveTime/cda:low"))
    performers = [p for p in event.iterchildren("{urn:hl7-org:v3}performer")]
    if len(performers) != 1 or performers[0].get("typeCode") != "PRF":
        out.fail(C02, M.text("event.performer", count=len(performers)), where(event, "cda:performer"))
        if not performers:
            return
    entity = first(performers[0], "cda:assignedEntity")
    if entity is None or first(entity, "cda:id") is None:
        out.fail(C02, M.text("event.performer-id"), where(performers[0], "cda:assignedEntity/cda:id"))
        return
    person = first(entity, "cda:assignedPerson")
    if person is not None and not text_of(first(person, "cda:name/cda:family")):
        out.fail(C02, M.text("event.performer-family"), where(entity, "cda:assignedPerson/cda:name/cda:family"))
    sic = first(entity, "cda:representedOrganization/cda:standardIndustryClassCode")
    if sic is None:
        out.fail(
            C02,
            M.text("event.performer-practice"),
            where(entity, "cda:representedOrganization/cda:standardIndustryClassCode"),
        )
    else:
        _coded(out, C02, sic, PRACTICE_SETTING, "performer standardIndustryClassCode")


def _component_of(doc: CdaDoc, out: Collector) -> None:
    encounters = doc.all("cda:componentOf/cda:encompassingEncounter")
    where_ = where(doc.root, "cda:componentOf/cda:encompassingEncounter")
    if not exactly_once(out, C02, encounters, "componentOf/encompassingEncounter", where_):
        return
    enc = encounters[0]
    _missing(out, C02, enc, "cda:effectiveTime", "encompassingEncounter/effectiveTime")
    facilities = [f for f in enc.iterfind("{urn:hl7-org:v3}location/{urn:hl7-org:v3}healthCareFacility")]
    if len(facilities) != 1:
        out.fail(
            C02, M.text("encounter.facility", count=len(facilities)), where(enc, "cda:location/cda:healthCareFacility")
        )
        return
    code = first(facilities[0], "cda:code")
    if code is None or not code.get("code"):
        out.fail(C02, M.text("encounter.facility-code"), where(facilities[0], "cda:code"))
    else:
        _coded(out, C02, code, FACILITY_CDA, "healthCareFacility/code")


def _others(doc: CdaDoc, out: Collector) -> None:
    enterers = doc.all("cda:dataEnterer")
    if len(enterers) > 1:
        out.fail(C02, M.text("cda.at-most-once", what="dataEnterer"), where(enterers[1]))
    related = doc.all("cda:relatedDocument[@typeCode='RPLC']")
    if len(related) > 1:
        out.fail(C02, M.text("cda.at-most-once", what="relatedDocument RPLC"), where(related[1]))
    for rel in related:
        pid = first(rel, "cda:parentDocument/cda:id")
        if pid is None or not pid.get("root"):
            out.fail(C02, M.text("related.parent"), where(rel, "cda:parentDocument/cda:id"))
    exactly_once(out, C02, doc.all("cda:component"), "ClinicalDocument/component", where(doc.root, "cda:component"))
