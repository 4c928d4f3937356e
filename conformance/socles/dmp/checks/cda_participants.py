"""CDA header participants: author (DMP-C07), custodian (DMP-C08), and the legalAuthenticator,
documentationOf/serviceEvent, componentOf/encompassingEncounter, relatedDocument and component
parts of the structuration minimale (DMP-C02).

Source: TestContenuCDA CI-SISAuthor / CI-SISCustodian and StrucMin rules (specs/dmp.md §3.1,
§3.3). These elements feed the XDS author, legalAuthenticator, serviceStart/StopTime,
practiceSettingCode and healthcareFacilityTypeCode metadata.
"""

from __future__ import annotations

from lxml import etree

from .cda_doc import CdaDoc
from .collector import Collector
from .datatypes import PS_ID_OID, STRUCT_ID_OID, XSD_TS
from .valuesets import (
    AUTHOR_SPECIALTY,
    FACILITY_CDA,
    PRACTICE_SETTING,
    Membership,
    lookup,
    missing_messages,
)
from .xpaths import first, text_of, where

C02, C07, C08 = "DMP-C02", "DMP-C07", "DMP-C08"
CUSTODIAN_ROOTS = (STRUCT_ID_OID, "1.2.250.1.213.4.1")


def rules(doc: CdaDoc, out: Collector) -> None:
    _authors(doc, out)
    _custodian(doc, out)
    _legal_authenticator(doc, out)
    _documentation_of(doc, out)
    _component_of(doc, out)
    _others(doc, out)


def _coded(out: Collector, req: str, el: etree._Element, names: tuple[str, ...], what: str) -> None:
    """`el` (@code/@codeSystem) must be in the value set; warn when the set is not available."""
    look = lookup(names, el.get("code", ""), el.get("codeSystem"))
    if look.membership is Membership.OUT:
        out.fail(
            req,
            f"{what} {el.get('code')!r} ({el.get('codeSystem')}) is not in {look.name}",
            f"{what} {el.get('code')!r} ({el.get('codeSystem')}) n'appartient pas au {look.name}",
            where(el),
        )
    elif look.membership is Membership.MISSING:
        out.warn(req, *missing_messages(look, what), where(el))


def _time(out: Collector, req: str, parent: etree._Element, who: str) -> None:
    time = first(parent, "cda:time")
    if time is None:
        out.fail(req, f"{who}/time is missing", f"{who}/time est absent", where(parent, "cda:time"))
        return
    value = time.get("value", "")
    if not XSD_TS.match(value) and time.get("nullFlavor") is None:
        out.fail(
            req,
            f"{who}/time/@value {value!r} is not a CDA TS",
            f"{who}/time/@value {value!r} n'est pas un TS CDA",
            where(time) + "/@value",
        )


def _authors(doc: CdaDoc, out: Collector) -> None:
    authors = doc.all("cda:author")
    if not authors:
        out.fail(
            C02,
            "the document has no author (1..*)",
            "le document n'a pas d'auteur (1..*)",
            where(doc.root, "cda:author"),
        )
        return
    out.cover(
        C07,
        "every author has a time, an identified author and its organization",
        "chaque auteur a un time, un auteur identifié et son organisation",
        where(authors[0]),
    )
    for author in authors:
        _time(out, C07, author, "author")
        assigned = first(author, "cda:assignedAuthor")
        if assigned is None:
            out.fail(
                C07,
                "author/assignedAuthor is missing",
                "author/assignedAuthor est absent",
                where(author, "cda:assignedAuthor"),
            )
            continue
        ident = first(assigned, "cda:id")
        if ident is None or not ident.get("root"):
            out.fail(
                C07,
                "assignedAuthor/id with a @root is missing",
                "assignedAuthor/id avec @root est absent",
                where(assigned, "cda:id"),
            )
        device = first(assigned, "cda:assignedAuthoringDevice")
        if device is not None:
            for part in ("manufacturerModelName", "softwareName"):
                if not text_of(first(device, f"cda:{part}")):
                    out.fail(
                        C07,
                        f"assignedAuthoringDevice/{part} is missing or empty",
                        f"assignedAuthoringDevice/{part} est absent ou vide",
                        where(device, f"cda:{part}"),
                    )
        else:
            if ident is not None and ident.get("root") and ident.get("root") != PS_ID_OID:
                out.fail(
                    C07,
                    f"a person author's id root is {ident.get('root')}, expected {PS_ID_OID}",
                    f"la racine de l'id d'un auteur personne est {ident.get('root')}, attendu {PS_ID_OID}",
                    where(ident),
                )
            if not text_of(first(assigned, "cda:assignedPerson/cda:name/cda:family")):
                out.fail(
                    C07,
                    "neither assignedPerson/name/family nor assignedAuthoringDevice",
                    "ni assignedPerson/name/family ni assignedAuthoringDevice",
                    where(assigned, "cda:assignedPerson"),
                )
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
                f"representedOrganization/id must have root {STRUCT_ID_OID} and an extension",
                f"representedOrganization/id doit avoir la racine {STRUCT_ID_OID} et une extension",
                where(org_id) if org_id is not None else where(org, "cda:id"),
            )
        sic = first(org, "cda:standardIndustryClassCode")
        if sic is not None and sic.get("code"):
            _coded(out, C07, sic, PRACTICE_SETTING, "representedOrganization/standardIndustryClassCode")


def _custodian(doc: CdaDoc, out: Collector) -> None:
    custodians = doc.all("cda:custodian")
    if len(custodians) != 1:
        out.fail(
            C02,
            f"custodian must occur exactly once (found {len(custodians)})",
            f"custodian doit être présent exactement une fois (trouvé {len(custodians)})",
            where(doc.root, "cda:custodian"),
        )
        if not custodians:
            return
    out.cover(
        C08,
        "custodian organization identified under an allowed root",
        "organisation dépositaire identifiée sous une racine autorisée",
        where(custodians[0]),
    )
    ident = first(custodians[0], "cda:assignedCustodian/cda:representedCustodianOrganization/cda:id")
    if ident is None:
        out.fail(
            C08,
            "representedCustodianOrganization/id is missing",
            "representedCustodianOrganization/id est absent",
            where(custodians[0], "cda:assignedCustodian/cda:representedCustodianOrganization/cda:id"),
        )
    elif ident.get("root") not in CUSTODIAN_ROOTS:
        out.fail(
            C08,
            f"custodian id root {ident.get('root')!r} is not {' or '.join(CUSTODIAN_ROOTS)}",
            f"la racine de l'id du dépositaire {ident.get('root')!r} n'est pas {' ou '.join(CUSTODIAN_ROOTS)}",
            where(ident),
        )


def _legal_authenticator(doc: CdaDoc, out: Collector) -> None:
    found = doc.all("cda:legalAuthenticator")
    if len(found) != 1:
        out.fail(
            C02,
            f"legalAuthenticator must occur exactly once (found {len(found)})",
            f"legalAuthenticator doit être présent exactement une fois (trouvé {len(found)})",
            where(doc.root, "cda:legalAuthenticator"),
        )
        if not found:
            return
    legal = found[0]
    _time(out, C02, legal, "legalAuthenticator")
    sig = first(legal, "cda:signatureCode")
    if sig is None or sig.get("code") != "S":
        out.fail(
            C02,
            "legalAuthenticator/signatureCode/@code must be S",
            "legalAuthenticator/signatureCode/@code doit valoir S",
            where(legal, "cda:signatureCode"),
        )
    ident = first(legal, "cda:assignedEntity/cda:id")
    if ident is None or not ident.get("root"):
        out.fail(
            C02,
            "legalAuthenticator/assignedEntity/id is missing",
            "legalAuthenticator/assignedEntity/id est absent",
            where(legal, "cda:assignedEntity/cda:id"),
        )
    org_id = first(legal, "cda:assignedEntity/cda:representedOrganization/cda:id")
    if org_id is not None and org_id.get("root") != STRUCT_ID_OID:
        out.fail(
            C02,
            f"legalAuthenticator representedOrganization/id root must be {STRUCT_ID_OID}",
            f"la racine de representedOrganization/id du legalAuthenticator doit être {STRUCT_ID_OID}",
            where(org_id),
        )


def _documentation_of(doc: CdaDoc, out: Collector) -> None:
    events = doc.all("cda:documentationOf/cda:serviceEvent")
    if not events:
        out.fail(
            C02,
            "documentationOf/serviceEvent is missing (1..*)",
            "documentationOf/serviceEvent est absent (1..*)",
            where(doc.root, "cda:documentationOf/cda:serviceEvent"),
        )
        return
    event = events[0]
    lows = [e for e in event.iterchildren("{urn:hl7-org:v3}effectiveTime")]
    if len(lows) != 1 or first(lows[0], "cda:low") is None:
        out.fail(
            C02,
            "the first serviceEvent needs exactly one effectiveTime with a low",
            "le premier serviceEvent doit avoir exactement un effectiveTime avec low",
            where(event, "cda:effectiveTime/cda:low"),
        )
    performers = [p for p in event.iterchildren("{urn:hl7-org:v3}performer")]
    if len(performers) != 1 or performers[0].get("typeCode") != "PRF":
        out.fail(
            C02,
            f"the first serviceEvent needs exactly one performer typeCode PRF (found {len(performers)})",
            f"le premier serviceEvent doit avoir exactement un performer typeCode PRF (trouvé {len(performers)})",
            where(event, "cda:performer"),
        )
        if not performers:
            return
    entity = first(performers[0], "cda:assignedEntity")
    if entity is None or first(entity, "cda:id") is None:
        out.fail(
            C02,
            "serviceEvent performer/assignedEntity/id is missing",
            "performer/assignedEntity/id du serviceEvent est absent",
            where(performers[0], "cda:assignedEntity/cda:id"),
        )
        return
    person = first(entity, "cda:assignedPerson")
    if person is not None and not text_of(first(person, "cda:name/cda:family")):
        out.fail(
            C02,
            "serviceEvent performer assignedPerson/name/family is missing",
            "assignedPerson/name/family du performer du serviceEvent est absent",
            where(entity, "cda:assignedPerson/cda:name/cda:family"),
        )
    sic = first(entity, "cda:representedOrganization/cda:standardIndustryClassCode")
    if sic is None:
        out.fail(
            C02,
            "serviceEvent performer representedOrganization/standardIndustryClassCode is missing "
            "(source of the XDS practiceSettingCode)",
            "representedOrganization/standardIndustryClassCode du performer est absent "
            "(source du practiceSettingCode XDS)",
            where(entity, "cda:representedOrganization/cda:standardIndustryClassCode"),
        )
    else:
        _coded(out, C02, sic, PRACTICE_SETTING, "performer standardIndustryClassCode")


def _component_of(doc: CdaDoc, out: Collector) -> None:
    encounters = doc.all("cda:componentOf/cda:encompassingEncounter")
    if len(encounters) != 1:
        out.fail(
            C02,
            f"componentOf/encompassingEncounter must occur exactly once (found {len(encounters)})",
            f"componentOf/encompassingEncounter doit être présent exactement une fois (trouvé {len(encounters)})",
            where(doc.root, "cda:componentOf/cda:encompassingEncounter"),
        )
        if not encounters:
            return
    enc = encounters[0]
    if first(enc, "cda:effectiveTime") is None:
        out.fail(
            C02,
            "encompassingEncounter/effectiveTime is missing",
            "encompassingEncounter/effectiveTime est absent",
            where(enc, "cda:effectiveTime"),
        )
    facilities = [f for f in enc.iterfind("{urn:hl7-org:v3}location/{urn:hl7-org:v3}healthCareFacility")]
    if len(facilities) != 1:
        out.fail(
            C02,
            f"encompassingEncounter/location/healthCareFacility must occur once (found {len(facilities)})",
            f"encompassingEncounter/location/healthCareFacility doit être présent une fois (trouvé {len(facilities)})",
            where(enc, "cda:location/cda:healthCareFacility"),
        )
        return
    code = first(facilities[0], "cda:code")
    if code is None or not code.get("code"):
        out.fail(
            C02,
            "healthCareFacility/code is missing (source of the XDS healthcareFacilityTypeCode)",
            "healthCareFacility/code est absent (source du healthcareFacilityTypeCode XDS)",
            where(facilities[0], "cda:code"),
        )
    else:
        _coded(out, C02, code, FACILITY_CDA, "healthCareFacility/code")


def _others(doc: CdaDoc, out: Collector) -> None:
    if len(doc.all("cda:dataEnterer")) > 1:
        out.fail(
            C02,
            "dataEnterer occurs more than once (0..1)",
            "dataEnterer est présent plus d'une fois (0..1)",
            where(doc.all("cda:dataEnterer")[1]),
        )
    related = doc.all("cda:relatedDocument[@typeCode='RPLC']")
    if len(related) > 1:
        out.fail(
            C02,
            "relatedDocument RPLC occurs more than once (0..1)",
            "relatedDocument RPLC est présent plus d'une fois (0..1)",
            where(related[1]),
        )
    for rel in related:
        pid = first(rel, "cda:parentDocument/cda:id")
        if pid is None or not pid.get("root"):
            out.fail(
                C02,
                "relatedDocument RPLC needs parentDocument/id (the replaced document)",
                "relatedDocument RPLC doit porter parentDocument/id (le document remplacé)",
                where(rel, "cda:parentDocument/cda:id"),
            )
    components = doc.all("cda:component")
    if len(components) != 1:
        out.fail(
            C02,
            f"ClinicalDocument/component must occur exactly once (found {len(components)})",
            f"ClinicalDocument/component doit être présent exactement une fois (trouvé {len(components)})",
            where(doc.root, "cda:component"),
        )
