"""DMP-C06 (metadata = CDA header) and the rules that need both: X07 ASS_A12, X12 RPLC, I06, I04."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from conformance.identities import patient
from conformance.model import CheckContext, Verdict

from . import helpers as b
from .helpers import fails, run_xds, verdicts
from .test_xds_metadata import DOC, SS_PATIENT, _cl, _set, _value, _x

CdaMutation = Callable[[etree._Element], None]


def feed(
    cda_mutation: CdaMutation | None = None,
    meta_mutation: CdaMutation | None = None,
    ctx: CheckContext | None = None,
) -> list:  # type: ignore[type-arg]
    """A lot whose metadata were made from the good CDA, then the CDA (or the metadata) changed."""
    good = b.pnr_root()
    cda = b.cda_root()
    if cda_mutation:
        cda_mutation(cda)
    root = b.pnr_root(b.to_bytes(cda))
    # keep the good metadata, only the document part (and its hash/size) follows the changed CDA
    for slot in ("hash", "size"):
        _value(DOC, slot, _x(root, f"{DOC}/rim:Slot[@name='{slot}']/rim:ValueList/rim:Value").text or "")(good)
    _x(good, "xdsb:Document[@id='Document01']").text = _x(root, "xdsb:Document[@id='Document01']").text
    if meta_mutation:
        meta_mutation(good)
    return run_xds(b.to_bytes(good), ctx)


def cda_set(path: str, attr: str, value: str) -> CdaMutation:
    def mutate(root: etree._Element) -> None:
        found = root.xpath(path, namespaces=b.NS)
        assert found, path
        found[0].set(attr, value)

    return mutate


def cda_text(path: str, value: str) -> CdaMutation:
    def mutate(root: etree._Element) -> None:
        root.xpath(path, namespaces=b.NS)[0].text = value

    return mutate


@pytest.mark.requirements("DMP-C06")
def test_consistent_lot_passes() -> None:
    found = feed()
    assert verdicts(found, "DMP-C06") == {Verdict.PASS}
    assert not fails(found)


EVENT = "cda:documentationOf/cda:serviceEvent"
BAD = [
    ("unique-id", cda_set("cda:id", "root", b.DOC_ROOT + ".9"), "uniqueId"),
    ("type-code", cda_set("cda:code", "code", "11490-0"), "typeCode vs code"),
    ("creation-time", cda_set("cda:effectiveTime", "value", "20261123101500+0200"), "creationTime"),
    ("title", cda_text("cda:title", "Autre titre"), "title"),
    ("language", cda_set("cda:languageCode", "code", "en-GB"), "languageCode"),
    ("confidentiality", cda_set("cda:confidentialityCode", "code", "R"), "confidentialityCode"),
    (
        "facility",
        cda_set(
            "cda:componentOf/cda:encompassingEncounter/cda:location/cda:healthCareFacility/cda:code",
            "code",
            "SA16",
        ),
        "healthcareFacilityTypeCode",
    ),
    (
        "practice",
        cda_set(
            EVENT + "/cda:performer/cda:assignedEntity/cda:representedOrganization/cda:standardIndustryClassCode",
            "code",
            "MAD",
        ),
        "practiceSettingCode",
    ),
    (
        "service-start",
        cda_set(EVENT + "/cda:effectiveTime/cda:low", "value", "20261123090000+0000"),
        "serviceStartTime",
    ),
    (
        "service-stop",
        cda_set(EVENT + "/cda:effectiveTime/cda:high", "value", "20261123100000+0100"),
        "serviceStopTime",
    ),
    ("author", cda_set("cda:author/cda:assignedAuthor/cda:id", "extension", "810000000022"), "authorPerson"),
    (
        "institution",
        cda_set("cda:author/cda:assignedAuthor/cda:representedOrganization/cda:id", "extension", "1750000099"),
        "authorInstitution",
    ),
    (
        "legal",
        cda_set("cda:legalAuthenticator/cda:assignedEntity/cda:id", "extension", "810000000030"),
        "legalAuthenticator",
    ),
    (
        "patient",
        cda_set("cda:recordTarget/cda:patientRole/cda:id[1]", "extension", patient("resident-second")["ins"]),
        "recordTarget INS",
    ),
]


@pytest.mark.requirements("DMP-C06")
@pytest.mark.parametrize("mutate,fragment", [pytest.param(m, f, id=i) for i, m, f in BAD])
def test_inconsistency_fails(mutate: CdaMutation, fragment: str) -> None:
    failed = fails(feed(mutate), "DMP-C06")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in fails(feed(mutate))]


@pytest.mark.requirements("DMP-C06")
def test_submission_set_patient_must_be_the_cda_ins() -> None:
    other = f"{patient('resident-second')['ins']}^^^&1.2.250.1.213.1.4.10&ISO^NH"
    failed = fails(feed(meta_mutation=_set(SS_PATIENT, "value", other)), "DMP-C06")
    assert any("SubmissionSet.patientId" in f.message_en for f in failed)


@pytest.mark.requirements("DMP-C06")
def test_test_ins_in_metadata_and_production_ins_in_cda_is_caught() -> None:
    prod = "1.2.250.1.213.1.4.8"
    failed = fails(feed(cda_set("cda:recordTarget/cda:patientRole/cda:id[1]", "root", prod)), "DMP-C06")
    assert any("recordTarget INS" in f.message_en for f in failed)


@pytest.mark.requirements("DMP-C06")
def test_local_time_without_offset_cannot_be_compared() -> None:
    found = feed(cda_set("cda:effectiveTime", "value", "20261123091500"))
    assert Verdict.WARN in verdicts(found, "DMP-C06")


@pytest.mark.requirements("DMP-C06")
def test_unreadable_document_part_fails() -> None:
    def garbage(root: etree._Element) -> None:
        _x(root, "xdsb:Document[@id='Document01']").text = "PG5vdCBhIENEQT4="  # "<not a CDA>"

    assert "not a readable CDA" in fails(feed(meta_mutation=garbage), "DMP-C06")[0].message_en


@pytest.mark.requirements("DMP-X07")
def test_n1_format_code_follows_ass_a12() -> None:
    fmt = _cl(DOC, b.DE["formatCode"])

    def text_format(root: etree._Element) -> None:
        _x(root, fmt).set("nodeRepresentation", "urn:ihe:iti:xds-sd:text:2008")

    failed = fails(feed(meta_mutation=text_format), "DMP-X07")
    assert "urn:ihe:iti:xds-sd:pdf:2008 (ASS_A12)" in failed[0].message_en


@pytest.mark.requirements("DMP-X12")
def test_cda_replacement_needs_an_rplc_association() -> None:
    def related(root: etree._Element) -> None:
        rel = etree.Element(f"{{{b.HL7}}}relatedDocument", typeCode="RPLC")
        etree.SubElement(etree.SubElement(rel, f"{{{b.HL7}}}parentDocument"), f"{{{b.HL7}}}id", root="1.2.3.4.5")
        root.xpath("cda:documentationOf", namespaces=b.NS)[0].addnext(rel)

    assert "no RPLC association" in fails(feed(related), "DMP-X12")[0].message_en

    def rplc(root: etree._Element) -> None:
        b.association(
            _x(root, "lcm:SubmitObjectsRequest/rim:RegistryObjectList"),
            "urn:ihe:iti:2007:AssociationType:RPLC",
            "Document01",
            "urn:uuid:0e1a2b3c-0000-4000-8000-000000000001",
            "as-9",
            None,
        )

    assert not fails(feed(related, rplc), "DMP-X12")


@pytest.mark.requirements("DMP-I06")
@pytest.mark.parametrize(
    "mutate,fragment",
    [
        pytest.param(
            _value(DOC, "sourcePatientId", "EHPAD-0099^^^&1.2.250.1.999.1.1.7898.2&ISO^PI"),
            "not the IPP",
            id="other-ipp",
        ),
        pytest.param(_value(DOC, "sourcePatientInfo", "PID-5|DUPONT-ESSAI^JEANNE^^^^^L"), "PID-5", id="pid5"),
    ],
)
def test_source_patient_must_match_the_cda(mutate: CdaMutation, fragment: str) -> None:
    failed = fails(feed(meta_mutation=mutate), "DMP-I06")
    assert any(fragment in f.message_en for f in failed)


@pytest.mark.requirements("DMP-I04")
def test_lot_for_an_unqualified_identity_fails() -> None:
    unqualified = dict(patient("resident-qualified"), qualified=False)
    assert fails(feed(ctx=CheckContext(patient=unqualified)), "DMP-I04")
    assert verdicts(feed(ctx=CheckContext(patient=patient("resident-qualified"))), "DMP-I04") == {Verdict.PASS}
