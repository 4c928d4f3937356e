"""Structure of the DMP XDS metadata: DMP-X01, X02, X03, X04, X10, X12, S01, I06 (metadata part)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from lxml import etree

from conformance.model import Verdict

from . import helpers as b
from .helpers import fails, run_xds, verdicts

Mutation = Callable[[etree._Element], None]
OBJ = "lcm:SubmitObjectsRequest/rim:RegistryObjectList"
SS = OBJ + "/rim:RegistryPackage[@id='SubmissionSet01']"
DOC = OBJ + "/rim:ExtrinsicObject[@id='Document01']"
SIG = OBJ + "/rim:ExtrinsicObject[@id='Signature01']"


def _x(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=b.NS)
    assert found, path
    return found[0]


def _drop(path: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = _x(root, path)
        el.getparent().remove(el)

    return mutate


def _set(path: str, attr: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _x(root, path).set(attr, value)

    return mutate


def _value(obj: str, slot: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _x(root, f"{obj}/rim:Slot[@name='{slot}']/rim:ValueList/rim:Value").text = value

    return mutate


def _cl(obj: str, scheme: str) -> str:
    return f"{obj}/rim:Classification[@classificationScheme='{scheme}']"


def _ei(obj: str, scheme: str) -> str:
    return f"{obj}/rim:ExternalIdentifier[@identificationScheme='{scheme}']"


SS_PATIENT = _ei(SS, "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446")
SS_AUTHOR = _cl(SS, "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d")
DOC_AUTHOR = _cl(DOC, b.DE["author"])


def run(mutate: Mutation | None = None, **meta: object) -> list:  # type: ignore[type-arg]
    root = b.pnr_root()
    if mutate:
        mutate(root)
    return run_xds(b.to_bytes(root), **meta)


@pytest.mark.requirements("DMP-X01", "DMP-X02", "DMP-X03", "DMP-X04", "DMP-X10", "DMP-X12", "DMP-S01", "DMP-I06")
def test_good_provide_and_register_passes() -> None:
    found = run()
    assert not fails(found), [(f.requirement, f.message_en) for f in fails(found)]
    for req in ("DMP-X01", "DMP-X02", "DMP-X03", "DMP-X04", "DMP-X10", "DMP-X12", "DMP-S01", "DMP-I06"):
        assert verdicts(found, req) == {Verdict.PASS}, req


BAD = [
    # DMP-X01
    ("no-ss-node", _drop(OBJ + "/rim:Classification[@id='cl-ss-node']"), "DMP-X01", "0 RegistryPackage"),
    ("ss-patient-not-ins", _set(SS_PATIENT, "value", "12345^^^&1.2.3.4&ISO^PI"), "DMP-X01", "not an INS"),
    ("ss-patient-not-cx", _set(SS_PATIENT, "value", "238047505612394"), "DMP-X01", "not a CX"),
    (
        "ss-source-not-oid",
        _set(_ei(SS, "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"), "value", "DUI"),
        "DMP-X01",
        "sourceId",
    ),
    (
        "ss-unique-missing",
        _drop(_ei(SS, "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8")),
        "DMP-X01",
        "uniqueId",
    ),
    ("ss-time-bad", _value(SS, "submissionTime", "2026-11-23T09:16"), "DMP-X01", "submissionTime"),
    # DMP-X02
    ("ss-no-author", _drop(SS_AUTHOR), "DMP-X02", "no author"),
    (
        "ss-no-content-type",
        _drop(_cl(SS, "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500")),
        "DMP-X02",
        "contentTypeCode",
    ),
    # DMP-X03
    (
        "object-type",
        _set(DOC, "objectType", "urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248"),
        "DMP-X03",
        "objectType",
    ),
    ("mime", _set(DOC, "mimeType", "application/pdf"), "DMP-X03", "mimeType"),
    ("no-legal-auth", _drop(DOC + "/rim:Slot[@name='legalAuthenticator']"), "DMP-X03", "legalAuthenticator"),
    ("no-service-start", _drop(DOC + "/rim:Slot[@name='serviceStartTime']"), "DMP-X03", "serviceStartTime"),
    ("creation-bad", _value(DOC, "creationTime", "20261323"), "DMP-X03", "creationTime"),
    ("language-bad", _value(DOC, "languageCode", "français"), "DMP-X03", "languageCode"),
    ("no-title", _drop(DOC + "/rim:Name"), "DMP-X03", "title"),
    ("no-class", _drop(_cl(DOC, b.DE["classCode"])), "DMP-X03", "0 classCode"),
    ("no-confidentiality", _drop(_cl(DOC, b.DE["confidentialityCode"])), "DMP-X03", "confidentialityCode"),
    ("no-author", _drop(DOC_AUTHOR), "DMP-X03", "no author"),
    ("no-unique-id", _drop(_ei(DOC, b.DE["uniqueId"])), "DMP-X03", "uniqueId"),
    (
        "de-patient-not-ins",
        _set(_ei(DOC, b.DE["patientId"]), "value", "1^^^&1.2.3&ISO^NH"),
        "DMP-X03",
        "not an INS",
    ),
    # DMP-X04
    ("hash-wrong", _value(DOC, "hash", "0" * 40), "DMP-X04", "differs from the SHA-1"),
    ("hash-not-sha1", _value(DOC, "hash", "abc"), "DMP-X04", "not a SHA-1"),
    ("size-wrong", _value(DOC, "size", "12"), "DMP-X04", "differs from the document length"),
    ("no-document-part", _drop("xdsb:Document[@id='Document01']"), "DMP-X04", "no xdsb:Document"),
    (
        "orphan-document",
        _set("xdsb:Document[@id='Signature01']", "id", "Other01"),
        "DMP-X04",
        "has no DocumentEntry",
    ),
    # DMP-X10
    (
        "person-authority",
        _value(
            DOC_AUTHOR,
            "authorPerson",
            f"{b.AUTHOR_ID}^SOIGNANT-ESSAI^Claire^^^^^^&1.2.250.1.71.4.2.2&ISO^D^^^IDNPS",
        ),
        "DMP-X10",
        "assigning authority",
    ),
    (
        "person-type",
        _value(
            DOC_AUTHOR,
            "authorPerson",
            f"{b.AUTHOR_ID}^SOIGNANT-ESSAI^Claire^^^^^^&1.2.250.1.71.4.2.1&ISO^U^^^IDNPS",
        ),
        "DMP-X10",
        "IDNPS with D",
    ),
    (
        "institution-type",
        _value(SS_AUTHOR, "authorInstitution", "EHPAD^^^^^&1.2.250.1.71.4.2.2&ISO^FINEG^^^1750000001"),
        "DMP-X10",
        "IDNST",
    ),
    (
        "institution-prefix",
        _value(SS_AUTHOR, "authorInstitution", "EHPAD^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^9750000001"),
        "DMP-X10",
        "Struct_IdNat",
    ),
    ("legal-auth-xcn", _value(DOC, "legalAuthenticator", "SOIGNANT-ESSAI"), "DMP-X10", "legalAuthenticator"),
    # DMP-X12
    ("no-has-member", _drop(OBJ + "/rim:Association[@id='as-1']"), "DMP-X12", "0 HasMember"),
    (
        "not-original",
        _value(OBJ + "/rim:Association[@id='as-1']", "SubmissionSetStatus", "Reference"),
        "DMP-X12",
        "Original",
    ),
    # DMP-S01
    (
        "not-signed",
        lambda r: (
            _drop(SIG)(r),
            _drop(OBJ + "/rim:Association[@id='as-3']")(r),
            _drop(OBJ + "/rim:Association[@id='as-2']")(r),
            _drop("xdsb:Document[@id='Signature01']")(r),
        ),
        "DMP-S01",
        "must be signed",
    ),
    ("no-signs", _drop(OBJ + "/rim:Association[@id='as-3']"), "DMP-S01", "signs"),
    ("sig-type", _set(_cl(SIG, b.DE["typeCode"]), "nodeRepresentation", "11506-3"), "DMP-S01", "E1762"),
    (
        "sig-format",
        _set(_cl(SIG, b.DE["formatCode"]), "nodeRepresentation", "urn:ihe:iti:xds-sd:pdf:2008"),
        "DMP-S01",
        "formatCode",
    ),
    # DMP-I06 (metadata part)
    (
        "source-patient-type",
        _value(DOC, "sourcePatientId", "EHPAD-0001^^^&1.2.250.1.999.1.1.7898.2&ISO^XX"),
        "DMP-I06",
        "^PI (IPP)",
    ),
    (
        "source-patient-ins-differs",
        _value(DOC, "sourcePatientId", "145096912304551^^^&1.2.250.1.213.1.4.10&ISO^NH"),
        "DMP-I06",
        "must be the patientId",
    ),
    ("source-info-no-pid5", _value(DOC, "sourcePatientInfo", "PID-9|X"), "DMP-I06", "PID-5"),
]


@pytest.mark.parametrize(
    "mutate,req,fragment",
    [pytest.param(m, r, f, id=i, marks=pytest.mark.requirements(r)) for i, m, r, f in BAD],
)
def test_metadata_defect_fails(mutate: Mutation, req: str, fragment: str) -> None:
    failed = fails(run(mutate), req)
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in fails(run(mutate))]
    assert all(f.message_fr and f.location.startswith("/") for f in failed)


@pytest.mark.requirements("DMP-X10")
def test_system_author_with_ri_is_accepted() -> None:
    value = "3750000001/88^DUI-ESSAI^^^^^^^&1.2.250.1.71.4.2.1&ISO^U^^^RI"
    found = run(_value(DOC_AUTHOR, "authorPerson", value))
    assert verdicts(found, "DMP-X10") == {Verdict.PASS}


@pytest.mark.requirements("DMP-X12")
def test_replacement_association() -> None:
    def rplc(target: str) -> Mutation:
        def mutate(root: etree._Element) -> None:
            b.association(_x(root, OBJ), "urn:ihe:iti:2007:AssociationType:RPLC", "Document01", target, "as-9", None)

        return mutate

    assert "not the entryUUID" in fails(run(rplc("Signature01")), "DMP-X12")[0].message_en
    # a proper RPLC association still needs the CDA relatedDocument (coherence)
    assert (
        "without relatedDocument"
        in fails(run(rplc("urn:uuid:0e1a2b3c-0000-4000-8000-000000000001")), "DMP-X12")[0].message_en
    )


@pytest.mark.requirements("DMP-X04")
def test_mtom_parts_are_taken_from_the_service() -> None:
    root = b.pnr_root()
    part = _x(root, "xdsb:Document[@id='Document01']")
    data = base64.b64decode(part.text or "")
    part.text = None
    etree.SubElement(part, "{http://www.w3.org/2004/08/xop/include}Include", href="cid:doc1@essai")
    assert verdicts(run_xds(b.to_bytes(root)), "DMP-X04") == {Verdict.PASS, Verdict.NOT_APPLICABLE}
    assert verdicts(run_xds(b.to_bytes(root), documents={"Document01": data}), "DMP-X04") == {Verdict.PASS}
    assert fails(run_xds(b.to_bytes(root), documents={"Document01": data + b" "}), "DMP-X04")


@pytest.mark.requirements("DMP-X04")
def test_bare_submit_objects_request_has_no_documents_to_compare() -> None:
    request = _x(b.pnr_root(), "lcm:SubmitObjectsRequest")
    found = run_xds(etree.tostring(request))
    assert verdicts(found, "DMP-X04") == {Verdict.NOT_APPLICABLE}
    assert verdicts(found, "DMP-X01") == {Verdict.PASS}


@pytest.mark.requirements("DMP-X01")
def test_soap_envelope_is_unwrapped() -> None:
    env = etree.Element("{http://www.w3.org/2003/05/soap-envelope}Envelope")
    etree.SubElement(env, "{http://www.w3.org/2003/05/soap-envelope}Body").append(b.pnr_root())
    assert not fails(run_xds(etree.tostring(env)))


@pytest.mark.requirements("DMP-X01")
@pytest.mark.parametrize(
    "data",
    [
        b"<lcm:SubmitObjectsRequest xmlns:lcm='urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0'>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>",
        b"<lcm:SubmitObjectsRequest xmlns:lcm='urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0'/>",
    ],
    ids=["malformed", "xxe", "foreign", "no-object-list"],
)
def test_hostile_or_foreign_metadata_fails_x01(data: bytes) -> None:
    found = run_xds(data)
    assert [(f.requirement, f.verdict) for f in found] == [("DMP-X01", Verdict.FAIL)]
