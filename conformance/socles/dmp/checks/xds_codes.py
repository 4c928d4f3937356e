"""Coded XDS metadata of a DMP feed against their value sets (DMP-X02 contentType, X05 typeCode,
X06 classCode, X07 formatCode, X08 confidentiality, X09 facility/practice, X11 authorSpecialty).

Sources: PDSm binding invariants (code systems), the DMP JDVs J57-J61 and the CI-SIS JDVs they
restrict (specs/dmp.md §2.2, §2.3, §2.5). A value set that is not available gives a warning
naming it, never a pass.
"""

from __future__ import annotations

from .collector import Collector
from .datatypes import split_coded
from .valuesets import (
    AUTHOR_SPECIALTY,
    CLASS_CODE,
    CONFIDENTIALITY,
    CONTENT_TYPE,
    FACILITY_XDS,
    FORMAT_CODE,
    PRACTICE_SETTING,
    TYPE_CODE,
    TYPE_CODE_DMP,
    Membership,
    find,
    lookup,
    missing_messages,
)
from .xds_model import DE_SCHEMES, SS_SCHEMES, Coded, RegistryObject, XdsMetadata

SIGNATURE_CLASS = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"
TYPE_SCHEMES = ("2.16.840.1.113883.6.1", "1.2.250.1.213.1.1.4.12", "ASTM")
CLASS_SCHEME = "1.2.250.1.213.1.1.4.1"
FORMAT_SCHEMES = ("1.2.250.1.213.1.1.4.2.282", "1.3.6.1.4.1.19376.1.2.3", "1.2.840.10008.2.6.1", "URN")
FACILITY_SCHEMES = ("1.2.250.1.71.4.2.4", "1.2.250.1.213.1.1.4.6")
PRACTICE_SCHEME = "1.2.250.1.213.1.1.4.9"
CONTENT_SCHEMES = ("1.2.250.1.213.2.2", "1.2.250.1.71.4.2.4", "1.2.250.1.213.1.1.4.6")
HL7_CONFIDENTIALITY = "2.16.840.1.113883.5.25"
VISIBILITY_SYSTEM = "1.2.250.1.213.1.1.4.13"
VISIBILITY_CODES = ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX")


def is_signature(entry: RegistryObject) -> bool:
    return any(c.code == SIGNATURE_CLASS for c in entry.coded(DE_SCHEMES["classCode"]))


def member(out: Collector, req: str, c: Coded, names: tuple[str, ...], what: str) -> None:
    look = lookup(names, c.code, c.scheme)
    if look.membership is Membership.OUT:
        out.fail(
            req,
            f"{what} {c.code!r} (codingScheme {c.scheme}) is not in {look.name}",
            f"{what} {c.code!r} (codingScheme {c.scheme}) n'appartient pas au {look.name}",
            c.location,
        )
    elif look.membership is Membership.MISSING:
        out.warn(req, *missing_messages(look, what), c.location)


def scheme_in(out: Collector, req: str, c: Coded, allowed: tuple[str, ...], what: str) -> bool:
    if c.scheme in allowed:
        return True
    out.fail(
        req,
        f"{what} codingScheme {c.scheme!r} is not one of {', '.join(allowed)}",
        f"le codingScheme {c.scheme!r} du {what} n'est pas l'un de {', '.join(allowed)}",
        c.location,
    )
    return False


def rules(md: XdsMetadata, out: Collector) -> None:
    for ss in md.submission_sets:
        _content_type(ss, out)
        for author in ss.coded(SS_SCHEMES["author"]):
            _specialty(author, out)
    for entry in md.entries:
        sig = is_signature(entry)
        if not sig:
            _type(entry, out)
            _class(entry, out)
            for c in entry.coded(DE_SCHEMES["formatCode"]):
                out.cover("DMP-X07", "formatCode in JDV_J60/J10", "formatCode du JDV_J60/J10", c.location)
                if scheme_in(out, "DMP-X07", c, FORMAT_SCHEMES, "formatCode"):
                    member(out, "DMP-X07", c, FORMAT_CODE, "formatCode")
        _confidentiality(entry, out)
        for c in entry.coded(DE_SCHEMES["healthcareFacilityTypeCode"]):
            out.cover(
                "DMP-X09",
                "facility type and practice setting in their value sets",
                "type d'établissement et cadre d'exercice dans leurs jeux de valeurs",
                c.location,
            )
            if scheme_in(out, "DMP-X09", c, FACILITY_SCHEMES, "healthcareFacilityTypeCode"):
                member(out, "DMP-X09", c, FACILITY_XDS, "healthcareFacilityTypeCode")
        for c in entry.coded(DE_SCHEMES["practiceSettingCode"]):
            if scheme_in(out, "DMP-X09", c, (PRACTICE_SCHEME,), "practiceSettingCode"):
                member(out, "DMP-X09", c, PRACTICE_SETTING, "practiceSettingCode")
        for author in entry.coded(DE_SCHEMES["author"]):
            _specialty(author, out)


def _content_type(ss: RegistryObject, out: Collector) -> None:
    for c in ss.coded(SS_SCHEMES["contentTypeCode"]):
        out.cover("DMP-X02", "contentTypeCode in JDV_J59", "contentTypeCode du JDV_J59", c.location)
        look = lookup(CONTENT_TYPE, c.code, c.scheme)
        if c.scheme not in CONTENT_SCHEMES and look.membership is not Membership.IN:
            scheme_in(out, "DMP-X02", c, CONTENT_SCHEMES, "contentTypeCode")
        member(out, "DMP-X02", c, CONTENT_TYPE, "contentTypeCode")


def _type(entry: RegistryObject, out: Collector) -> None:
    for c in entry.coded(DE_SCHEMES["typeCode"]):
        out.cover("DMP-X05", "typeCode in JDV_J07", "typeCode du JDV_J07", c.location)
        if not scheme_in(out, "DMP-X05", c, TYPE_SCHEMES, "typeCode"):
            continue
        member(out, "DMP-X05", c, TYPE_CODE, "typeCode")
        if find(TYPE_CODE_DMP) is not None:
            member(out, "DMP-X05", c, TYPE_CODE_DMP, "typeCode (DMP)")
        else:
            out.not_applicable(
                "DMP-X05",
                "JDV_J66-TypeCode-DMP is not published: typeCode checked against J07 only",
                "JDV_J66-TypeCode-DMP non publié : typeCode vérifié au regard du J07 seulement",
                c.location,
            )


def _class(entry: RegistryObject, out: Collector) -> None:
    for c in entry.coded(DE_SCHEMES["classCode"]):
        out.cover("DMP-X06", "classCode in JDV_J57/J06", "classCode du JDV_J57/J06", c.location)
        if scheme_in(out, "DMP-X06", c, (CLASS_SCHEME,), "classCode"):
            member(out, "DMP-X06", c, CLASS_CODE, "classCode")
        out.warn(
            "DMP-X06",
            "table ASS_X04 (typeCode -> classCode) not available: consistency not verified",
            "table ASS_X04 (typeCode -> classCode) non disponible : cohérence non vérifiée",
            c.location,
        )


def _confidentiality(entry: RegistryObject, out: Collector) -> None:
    codes = entry.coded(DE_SCHEMES["confidentialityCode"])
    if not codes:
        return  # absence is reported by DMP-X03
    out.cover(
        "DMP-X08",
        "confidentialityCode: one HL7 code plus visibility codes",
        "confidentialityCode : un code HL7 et des codes de visibilité",
        entry.location,
    )
    hl7 = [c for c in codes if c.scheme == HL7_CONFIDENTIALITY and c.code in ("N", "R", "V")]
    if len(hl7) != 1:
        out.fail(
            "DMP-X08",
            f"{len(hl7)} HL7 confidentiality codes (N, R or V), exactly one expected",
            f"{len(hl7)} codes de confidentialité HL7 (N, R ou V), un seul attendu",
            entry.location,
        )
    for c in codes:
        if any(c is h for h in hl7):
            continue
        if c.scheme != VISIBILITY_SYSTEM or c.code not in VISIBILITY_CODES:
            out.fail(
                "DMP-X08",
                f"confidentialityCode {c.code!r} ({c.scheme}) is neither N/R/V nor a visibility code",
                f"confidentialityCode {c.code!r} ({c.scheme}) n'est ni N/R/V ni un code de visibilité",
                c.location,
            )
    if len(codes) > 4:
        out.fail(
            "DMP-X08",
            f"{len(codes)} confidentiality codes, at most 4",
            f"{len(codes)} codes de confidentialité, 4 au plus",
            entry.location,
        )
    # The enumeration above is the J58 content the specs quote; the published set, when shipped,
    # is checked as well so that a newer version of it takes precedence.
    if find(CONFIDENTIALITY) is not None:
        for c in codes:
            member(out, "DMP-X08", c, CONFIDENTIALITY, "confidentialityCode")


def _specialty(author: Coded, out: Collector) -> None:
    for value in author.slots.get("authorSpecialty", []):
        out.cover(
            "DMP-X11",
            "authorSpecialty is code^display^OID from JDV_J01",
            "authorSpecialty est code^libellé^OID du JDV_J01",
            author.location,
        )
        parts = split_coded(value)
        if parts is None:
            out.fail(
                "DMP-X11",
                f"authorSpecialty {value!r} is not code^display^OID",
                f"authorSpecialty {value!r} n'est pas de la forme code^libellé^OID",
                author.location,
            )
            continue
        look = lookup(AUTHOR_SPECIALTY, parts[0], parts[2])
        if look.membership is Membership.OUT:
            out.fail(
                "DMP-X11",
                f"authorSpecialty {parts[0]} ({parts[2]}) is not in {look.name}",
                f"authorSpecialty {parts[0]} ({parts[2]}) n'appartient pas au {look.name}",
                author.location,
            )
        elif look.membership is Membership.MISSING:
            out.warn("DMP-X11", *missing_messages(look, "authorSpecialty"), author.location)
