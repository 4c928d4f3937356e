"""Coded XDS metadata of a DMP feed against their value sets (DMP-X02 contentType, X05 typeCode,
X06 classCode, X07 formatCode, the N1 formatCode against the CDA's mediaType included, X08
confidentiality, X09 facility/practice, X11 authorSpecialty).

Sources: PDSm binding invariants (code systems), the DMP JDVs J57-J61 and the CI-SIS JDVs they
restrict, ASS_A12 (specs/dmp.md §2.2, §2.3, §2.5). A value set that is not available gives a
warning naming it, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_body import ASS_A12
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
    judge_code,
    lookup,
)
from .xds_model import DE_SCHEMES, SS_SCHEMES, Coded, RegistryObject, XdsMetadata, is_signature

CODES = ("DMP-X05", "DMP-X06", "DMP-X07", "DMP-X08", "DMP-X09", "DMP-X11")
TYPE_SCHEMES = ("2.16.840.1.113883.6.1", "1.2.250.1.213.1.1.4.12", "ASTM")
CLASS_SCHEME = "1.2.250.1.213.1.1.4.1"
FORMAT_SCHEMES = ("1.2.250.1.213.1.1.4.2.282", "1.3.6.1.4.1.19376.1.2.3", "1.2.840.10008.2.6.1", "URN")
FACILITY_SCHEMES = ("1.2.250.1.71.4.2.4", "1.2.250.1.213.1.1.4.6")
PRACTICE_SCHEME = "1.2.250.1.213.1.1.4.9"
CONTENT_SCHEMES = ("1.2.250.1.213.2.2", "1.2.250.1.71.4.2.4", "1.2.250.1.213.1.1.4.6")
HL7_CONFIDENTIALITY = "2.16.840.1.113883.5.25"
VISIBILITY_SYSTEM = "1.2.250.1.213.1.1.4.13"
VISIBILITY_CODES = ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX")


def member(out: Collector, req: str, c: Coded, names: tuple[str, ...], what: str) -> None:
    judge_code(out, req, names, c.code, c.scheme, what, c.location, "code.scheme-not-in")


def scheme_in(out: Collector, req: str, c: Coded, allowed: tuple[str, ...], what: str) -> bool:
    if c.scheme in allowed:
        return True
    out.fail(req, M.text("codes.scheme", what=what, scheme=c.scheme, allowed=", ".join(allowed)), c.location)
    return False


def in_schemes(out: Collector, req: str, c: Coded, schemes: tuple[str, ...], names: tuple[str, ...], what: str) -> None:
    """Under one of its coding schemes, and in its value set."""
    if scheme_in(out, req, c, schemes, what):
        member(out, req, c, names, what)


@check("xds-metadata", "dmp", *CODES)
def check_codes(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    for ss in md.submission_sets:
        for author in ss.coded(SS_SCHEMES["author"]):
            _specialty(author, out)
    for entry in md.entries:
        if not is_signature(entry):
            _type(entry, out)
            _class(entry, out)
            for c in entry.coded(DE_SCHEMES["formatCode"]):
                out.cover("DMP-X07", M.text("codes.format-ok"), c.location)
                in_schemes(out, "DMP-X07", c, FORMAT_SCHEMES, FORMAT_CODE, "formatCode")
        _confidentiality(entry, out)
        for c in entry.coded(DE_SCHEMES["healthcareFacilityTypeCode"]):
            out.cover("DMP-X09", M.text("codes.facility-ok"), c.location)
            in_schemes(out, "DMP-X09", c, FACILITY_SCHEMES, FACILITY_XDS, "healthcareFacilityTypeCode")
        for c in entry.coded(DE_SCHEMES["practiceSettingCode"]):
            in_schemes(out, "DMP-X09", c, (PRACTICE_SCHEME,), PRACTICE_SETTING, "practiceSettingCode")
        for author in entry.coded(DE_SCHEMES["author"]):
            _specialty(author, out)
    _n1_formats(md, out)
    return out.finish()


def content_type_rules(ss: RegistryObject, out: Collector) -> None:
    """DMP-X02, coded part: the SubmissionSet's contentTypeCode in JDV_J59."""
    for c in ss.coded(SS_SCHEMES["contentTypeCode"]):
        out.cover("DMP-X02", M.text("codes.content-type-ok"), c.location)
        look = lookup(CONTENT_TYPE, c.code, c.scheme)
        if c.scheme not in CONTENT_SCHEMES and look.membership is not Membership.IN:
            scheme_in(out, "DMP-X02", c, CONTENT_SCHEMES, "contentTypeCode")
        member(out, "DMP-X02", c, CONTENT_TYPE, "contentTypeCode")


def _type(entry: RegistryObject, out: Collector) -> None:
    for c in entry.coded(DE_SCHEMES["typeCode"]):
        out.cover("DMP-X05", M.text("codes.type-ok"), c.location)
        if not scheme_in(out, "DMP-X05", c, TYPE_SCHEMES, "typeCode"):
            continue
        member(out, "DMP-X05", c, TYPE_CODE, "typeCode")
        if find(TYPE_CODE_DMP) is not None:
            member(out, "DMP-X05", c, TYPE_CODE_DMP, "typeCode (DMP)")
        else:
            out.not_applicable("DMP-X05", M.text("codes.type-dmp-unpublished"), c.location)


def _class(entry: RegistryObject, out: Collector) -> None:
    for c in entry.coded(DE_SCHEMES["classCode"]):
        out.cover("DMP-X06", M.text("codes.class-ok"), c.location)
        in_schemes(out, "DMP-X06", c, (CLASS_SCHEME,), CLASS_CODE, "classCode")
        out.warn("DMP-X06", M.text("codes.class-type-table"), c.location)


def _confidentiality(entry: RegistryObject, out: Collector) -> None:
    codes = entry.coded(DE_SCHEMES["confidentialityCode"])
    if not codes:
        return  # absence is reported by DMP-X03
    out.cover("DMP-X08", M.text("codes.confidentiality-ok"), entry.location)
    hl7 = [c for c in codes if c.scheme == HL7_CONFIDENTIALITY and c.code in ("N", "R", "V")]
    if len(hl7) != 1:
        out.fail("DMP-X08", M.text("codes.confidentiality-hl7", count=len(hl7)), entry.location)
    for c in codes:
        if any(c is h for h in hl7):
            continue
        if c.scheme != VISIBILITY_SYSTEM or c.code not in VISIBILITY_CODES:
            out.fail("DMP-X08", M.text("codes.confidentiality-other", code=c.code, scheme=c.scheme), c.location)
    if len(codes) > 4:
        out.fail("DMP-X08", M.text("codes.confidentiality-count", count=len(codes)), entry.location)
    # The enumeration above is the J58 content the specs quote; the published set, when shipped,
    # is checked as well so that a newer version of it takes precedence.
    if find(CONFIDENTIALITY) is not None:
        for c in codes:
            member(out, "DMP-X08", c, CONFIDENTIALITY, "confidentialityCode")


def _specialty(author: Coded, out: Collector) -> None:
    for value in author.slots.get("authorSpecialty", []):
        out.cover("DMP-X11", M.text("codes.specialty-ok"), author.location)
        parts = split_coded(value)
        if parts is None:
            out.fail("DMP-X11", M.text("codes.specialty-form", value=value), author.location)
            continue
        judge_code(
            out,
            "DMP-X11",
            AUTHOR_SPECIALTY,
            parts[0],
            parts[2],
            "authorSpecialty",
            author.location,
            "code.plain-not-in",
        )


def _n1_formats(md: XdsMetadata, out: Collector) -> None:
    """An N1 document's formatCode is the one ASS_A12 gives for its mediaType."""
    for entry, doc in md.described():
        text = doc.at("cda:component/cda:nonXMLBody/cda:text")
        if text is None:
            continue
        expected = ASS_A12.get(text.get("mediaType", ""))
        for c in entry.coded(DE_SCHEMES["formatCode"]):
            if expected and c.code != expected:
                out.fail(
                    "DMP-X07",
                    M.text("codes.n1-format", media=text.get("mediaType"), expected=expected, found=c.code),
                    c.location,
                )
