"""EP-23 checks (checks/shared.py): the ordonnance fed to the DMP and sent to the patient by MSSanté."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from conformance import identities
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import checks_for, run_checks
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.checks.shared import pdf_of_cda
from conformance.socles.eprescription.reference.pdf import PrintInput, ordonnance_pdf
from conformance.socles.eprescription.service import make_number
from conformance.socles.mssante.build.documents import build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    REFERENCE,
    Bal,
    BuildEnv,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.message import documents_message

NUMBER = make_number(424242)
OTHER = make_number(424243)
LOINC = "2.16.840.1.113883.6.1"
CLASSES = "1.2.250.1.213.1.1.4.1"
TYPE_SCHEME = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
CLASS_SCHEME = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"


def _pdf(number: str = NUMBER) -> bytes:
    inp = PrintInput(
        number,
        identities.patient("resident-qualified"),
        {"family": "MEDECIN-ESSAI", "given": "Paul", "rpps": "10000000000"},
        {"name": "EHPAD ESSAI"},
        "23/11/2026",
        ["FUROSEMIDE 40 mg cp : 1 comprimé 1 fois par jour"],
    )
    return ordonnance_pdf(inp)


def _cda(pdf: bytes | None, media: str = "application/pdf") -> bytes:
    body = base64.b64encode(pdf or b"plain text").decode()
    return (
        f'<ClinicalDocument xmlns="urn:hl7-org:v3"><code code="57833-6" codeSystem="{LOINC}"/><component>'
        f'<nonXMLBody><text mediaType="{media}" representation="B64">{body}</text></nonXMLBody>'
        "</component></ClinicalDocument>"
    ).encode()


def _classification(scheme: str, code: str, system: str, obj: str) -> str:
    return (
        f'<rim:Classification classificationScheme="{scheme}" classifiedObject="{obj}" nodeRepresentation="{code}">'
        f'<rim:Slot name="codingScheme"><rim:ValueList><rim:Value>{system}</rim:Value></rim:ValueList></rim:Slot>'
        "</rim:Classification>"
    )


def _lot(type_code: str = "57833-6", class_code: str = "42", cda: bytes | None = None) -> tuple[bytes, dict]:
    """A ProvideAndRegisterDocumentSetRequest with one DocumentEntry; its CDA as an MTOM part."""
    entry = "urn:uuid:00000000-0000-4000-8000-000000000001"
    xml = (
        '<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007" '
        'xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
        'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" xmlns:xop="http://www.w3.org/2004/08/xop/include">'
        "<lcm:SubmitObjectsRequest><rim:RegistryObjectList>"
        f'<rim:ExtrinsicObject id="{entry}" mimeType="text/xml" '
        'objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">'
        f"{_classification(TYPE_SCHEME, type_code, LOINC, entry)}"
        f"{_classification(CLASS_SCHEME, class_code, CLASSES, entry)}"
        "</rim:ExtrinsicObject></rim:RegistryObjectList></lcm:SubmitObjectsRequest>"
        f'<xdsb:Document id="{entry}"><xop:Include href="cid:doc1"/></xdsb:Document>'
        "</xdsb:ProvideAndRegisterDocumentSetRequest>"
    ).encode()
    return xml, {entry: cda if cda is not None else _cda(_pdf())}


def _ep(art: Artifact, ctx: CheckContext) -> list[Finding]:
    """The e-prescription checks of the artifact's kind (EP-23), as scenarios and validate run them."""
    SOCLE.load_checks()
    return run_checks(art, ctx, ["eprescription"])


def _dmp(lot: tuple[bytes, dict], expected: str | None = NUMBER) -> list[Finding]:
    ctx = CheckContext(extra={"prescription_number": expected} if expected else {})
    return _ep(Artifact("xds-metadata", "lot.xml", lot[0], {"documents": lot[1]}), ctx)


def _message(
    patient_key: str, *, to_patient: bool = True, type_code: str = "57833-6", pdf: bytes | None = None
) -> tuple[bytes, dict[str, Any]]:
    ident = identities.patient(patient_key)
    patient = Patient.from_identity(ident)
    request = DocumentRequest(
        type_code,
        "Prescription de produits de santé",
        f"Ordonnance {NUMBER}",
        BuildEnv.fixed().now.date(),
        pdf=pdf or _pdf(),
    )
    env = BuildEnv.fixed()
    doc = build_document(patient, request, author=EHPAD_DOCTOR, org=EHPAD, env=env, deviations=REFERENCE)
    to = [patient.address] if to_patient else ["dr.medecin-essai@test-ci-sis.mssante.fr"]
    built = documents_message(
        Bal("dui-app@ehpad-essai.mssante.fr", "EHPAD Essai - Soins"),
        to,
        [doc],
        org=EHPAD,
        body="Votre ordonnance.\n",
        nil="DUI-CONF-0001",
        env=env,
        deviations=REFERENCE,
    )
    return built.data, ident


def _mail(msg: tuple[bytes, dict[str, Any]], expected: str | None = NUMBER) -> list[Finding]:
    ctx = CheckContext(patient=msg[1], extra={"prescription_number": expected} if expected else {})
    return _ep(Artifact("email", "m.eml", msg[0]), ctx)


def worst(found: list[Finding]) -> Verdict:
    assert found and all(f.requirement == "EP-23" and f.message_fr and f.evidence for f in found), found
    return max((f.verdict for f in found), key=lambda v: v.rank)


def failing_at(found: list[Finding]) -> list[str]:
    return [f.location for f in found if f.verdict is Verdict.FAIL]


def test_registered_under_eprescription() -> None:
    SOCLE.load_checks()
    assert "check_ordonnance_fed_to_dmp" in [
        c.name.rsplit(".", 1)[-1] for c in checks_for("xds-metadata", ["eprescription"])
    ]
    assert "check_ordonnance_sent_to_patient" in [
        c.name.rsplit(".", 1)[-1] for c in checks_for("email", ["eprescription"])
    ]


@pytest.mark.requirements("EP-23")
def test_dmp_lot_good_passes() -> None:
    assert worst(_dmp(_lot())) is Verdict.PASS
    assert worst(_dmp(_lot(), expected=None)) is Verdict.PASS  # artifact mode: typed 57833-6, number printed


@pytest.mark.requirements("EP-23")
@pytest.mark.parametrize(
    ("lot", "where"),
    [
        (lambda: _lot(type_code="57832-8"), "typeCode"),
        (lambda: _lot(class_code="11"), "classCode"),
        (lambda: _lot(cda=_cda(_pdf(OTHER))), "QR"),
        (lambda: _lot(cda=_cda(None, "text/plain")), "DocumentEntry"),
        (lambda: _lot(cda=b"<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/>"), "not a CDA N1"),
        (lambda: _lot(type_code="E1762", cda=b"<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/>"), "no CDA"),
    ],
)
def test_dmp_lot_bad_fails(lot: Any, where: str) -> None:
    found = _dmp(lot())
    assert worst(found) is Verdict.FAIL
    assert any(
        where in loc or where in f.message_en for f in found if f.verdict is Verdict.FAIL for loc in [f.location]
    ), failing_at(found)


def test_dmp_lot_without_ordonnance_is_not_applicable_in_artifact_mode() -> None:
    assert worst(_dmp(_lot(type_code="11506-3"), expected=None)) is Verdict.NOT_APPLICABLE
    assert worst(_dmp((b"<not-xds/>", {}), expected=None)) is Verdict.NOT_APPLICABLE
    assert worst(_dmp((b"<not-xds/>", {}))) is Verdict.FAIL


@pytest.mark.requirements("EP-23")
def test_message_to_qualified_patient_passes() -> None:
    found = _mail(_message("resident-qualified"))
    assert worst(found) is Verdict.PASS
    assert any(f.location == "To" for f in found) and any("PDF" in f.message_en for f in found)


@pytest.mark.requirements("EP-23")
def test_message_to_unqualified_patient_fails() -> None:
    found = _mail(_message("resident-unqualified"))
    assert worst(found) is Verdict.FAIL
    assert failing_at(found) == ["To"]
    assert "not qualified" in [f for f in found if f.verdict is Verdict.FAIL][0].message_en


@pytest.mark.requirements("EP-23")
@pytest.mark.parametrize(
    ("msg", "where"),
    [
        (lambda: _message("resident-qualified", to_patient=False), "To"),
        (lambda: _message("resident-qualified", type_code="57832-8"), "typeCode"),
        (lambda: _message("resident-qualified", pdf=_pdf(OTHER)), "QR"),
    ],
)
def test_message_bad_fails(msg: Any, where: str) -> None:
    found = _mail(msg())
    assert worst(found) is Verdict.FAIL
    assert any(where in f.location or where in f.message_en for f in found if f.verdict is Verdict.FAIL), found


def test_message_without_ordonnance_is_not_applicable_in_artifact_mode() -> None:
    data, ident = _message("resident-qualified", type_code="11488-4")
    ctx = CheckContext()
    assert worst(_ep(Artifact("email", "m.eml", data), ctx)) is Verdict.NOT_APPLICABLE
    assert worst(_mail((data, ident))) is Verdict.FAIL  # the scenario says it is the ordonnance: typed wrong


def test_pdf_of_cda_is_hostile_safe() -> None:
    assert pdf_of_cda(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>")[0] is None
    assert pdf_of_cda(_cda(b"%PDF-1.4 x"))[0] == b"%PDF-1.4 x"
    bad = _cda(b"x").replace(b'representation="B64">', b'representation="B64">!!!')
    assert pdf_of_cda(bad) == (None, "nonXMLBody/text is not valid base64")
