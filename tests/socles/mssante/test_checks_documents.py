"""MSS-DOC-01..06: a document message as a whole (envelope vs. archive vs. PDF copies)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from lxml import etree

from conformance.model import CheckContext, Finding, Verdict

from .helpers import (
    OTHER_PATIENT,
    PATIENT,
    RIM,
    Doc,
    build_message,
    pdf_bytes,
    pdf_name,
    run_checks,
    verdicts,
    xdm_zip,
)
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok

DLU = Doc(
    code="74207-2",
    display="Document de liaison d'urgence",
    file_name="DOC0002.XML",
    effective="20261121081000+0100",
    service_start="20261121",
)


def email(data: bytes, **ctx: object) -> list[Finding]:
    return run_checks("email", data, CheckContext(**ctx))  # type: ignore[arg-type]


@pytest.mark.requirements("MSS-DOC-01")
def test_one_usager() -> None:
    ok(email(build_message([Doc(), DLU])), "MSS-DOC-01")
    ok(email(build_message(), patient=dict(PATIENT)), "MSS-DOC-01")
    other = dataclasses.replace(DLU, patient=dict(OTHER_PATIENT))
    fail(email(build_message([Doc(), other])), "MSS-DOC-01", "2 different usagers", OTHER_PATIENT["ins"])
    fail(email(build_message(), patient=dict(OTHER_PATIENT)), "MSS-DOC-01", "not the scenario's usager")


@pytest.mark.requirements("MSS-DOC-01", "MSS-XDM-04")
def test_one_usager_and_patient_id_are_judged_once_each() -> None:
    """A wrong identifier everywhere in METADATA is XDM-04's failure; two identifiers there are DOC-01's."""

    def every_pid(value: str) -> Callable[[etree._Element], None]:
        def tweak(root: etree._Element) -> None:
            for ei in root.iter(f"{{{RIM}}}ExternalIdentifier"):
                if ei.get("identificationScheme", "").endswith(
                    ("58a6f841-87b3-4a3e-92fd-a8ffeff98427", "6b5aea1a-874d-4603-a4bc-96a0a7b38446")
                ):
                    ei.set("value", value)

        return tweak

    wrong = email(build_message(zip_bytes=xdm_zip(tweak=every_pid("238047505612395^^^&1.2.250.1.213.1.4.10&ISO^NH"))))
    ok(wrong, "MSS-DOC-01")
    fail(wrong, "MSS-XDM-04", "has key 95")

    def set_only(root: etree._Element) -> None:
        for ei in root.iter(f"{{{RIM}}}ExternalIdentifier"):
            if ei.get("identificationScheme", "").endswith("6b5aea1a-874d-4603-a4bc-96a0a7b38446"):
                ei.set("value", "145096912304551^^^&1.2.250.1.213.1.4.10&ISO^NH")

    split = email(build_message(zip_bytes=xdm_zip(tweak=set_only)))
    fail(split, "MSS-DOC-01", "METADATA patientIds concern 2 different usagers")
    ok(split, "MSS-XDM-04")


@pytest.mark.requirements("MSS-DOC-02")
def test_attachments() -> None:
    ok(email(build_message([Doc(), DLU])), "MSS-DOC-02")
    fail(email(build_message(with_zip=False)), "MSS-DOC-02", "0 zip attachments")
    fail(email(build_message(pdfs=[])), "MSS-DOC-02", "0 PDF attachment(s) for 1 CDA")
    fail(email(build_message(zip_name="archive.zip")), "MSS-DOC-02", "expected IHE_XDM.zip")
    qp = build_message().replace(b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 7bit", 1)
    fail(email(qp), "MSS-DOC-02", "expected base64")
    plain = build_message([])
    assert verdicts(email(plain), "MSS-DOC-02") == {Verdict.NOT_APPLICABLE}
    fail(email(plain, patient=dict(PATIENT)), "MSS-DOC-02", "0 zip attachments")


@pytest.mark.requirements("MSS-DOC-03")
def test_pdf_copies() -> None:
    doc = Doc()
    ok(email(build_message([doc, DLU])), "MSS-DOC-03")
    ok(email(build_message(pdfs=[(pdf_name(doc, dossier="EHPAD-0001"), pdf_bytes())])), "MSS-DOC-03")
    fail(email(build_message(pdfs=[(pdf_name(doc), pdf_bytes("2"))])), "MSS-DOC-03", "pdfaid:part is 2")
    fail(email(build_message(pdfs=[(pdf_name(doc), pdf_bytes(None))])), "MSS-DOC-03", "pdfaid:part is absent")
    wrong_date = pdf_name(dataclasses.replace(doc, service_start="20261119"))
    fail(email(build_message(pdfs=[(wrong_date, pdf_bytes())])), "MSS-DOC-03", "differs from the act date")
    lower = pdf_name(doc).replace("MARTIN-ESSAI", "Martin-Essai")
    fail(email(build_message(pdfs=[(lower, pdf_bytes())])), "MSS-DOC-03", "birth name in upper case")
    full = f"20261120_{doc.display}_MARTIN-ESSAI_Jeanne.pdf"
    fail(email(build_message(pdfs=[(full, pdf_bytes())])), "MSS-DOC-03", "truncated to 40")
    fail(email(build_message(pdfs=[("copie.pdf", pdf_bytes())])), "MSS-DOC-03", "AAAAMMJJ")
    twice = [(pdf_name(doc), pdf_bytes()), (pdf_name(doc), pdf_bytes(text="bis"))]
    fail(
        email(build_message([doc, DLU], pdfs=twice)),
        "MSS-DOC-03",
        "second copy of IHE_XDM/SUBSET01/DOC0001.XML",
    )


@pytest.mark.requirements("MSS-DOC-03")
def test_pdf_name_falls_back_to_xds_service_start() -> None:
    doc = Doc(service_start=None)
    named = Doc(service_start="20261120")
    data = build_message([doc], pdfs=[(pdf_name(named), pdf_bytes())])
    assert verdicts(email(data), "MSS-DOC-03") == {Verdict.PASS}  # no serviceStartTime anywhere: shape only


@pytest.mark.requirements("MSS-DOC-04")
def test_subject() -> None:
    ok(email(build_message()), "MSS-DOC-04")
    ok(email(build_message([Doc(), DLU])), "MSS-DOC-04")
    no_birth = build_message(
        headers={"Subject": "XDM/1.0/DDM+Lettre de liaison à la sortie d'un établ MARTIN-ESSAI Jeanne"}
    )
    ok(email(no_birth), "MSS-DOC-04")
    upper = build_message(
        headers={"Subject": "XDM/1.0/DDM+Lettre de liaison à la sortie d'un établ MARTIN-ESSAI JEANNE 12/04/1938"}
    )
    ok(email(upper), "MSS-DOC-04")
    fail(
        email(build_message(headers={"Subject": "Lettre de liaison MARTIN-ESSAI Jeanne"})),
        "MSS-DOC-04",
        "differs from",
    )
    fail(
        email(build_message([Doc(), DLU], headers={"Subject": "XDM/1.0/DDM+Lettre MARTIN-ESSAI Jeanne"})),
        "MSS-DOC-04",
        "2 documents",
    )


@pytest.mark.requirements("MSS-DOC-05")
def test_x_mss_codecda() -> None:
    ok(email(build_message([Doc(), DLU])), "MSS-DOC-05")
    ok(email(build_message([Doc(), DLU], headers={"X-MSS-CODECDA": "11490-0, 74207-2"})), "MSS-DOC-05")
    fail(email(build_message(headers={"X-MSS-CODECDA": None})), "MSS-DOC-05", "missing")
    fail(email(build_message(headers={"X-MSS-CODECDA": "11488-4"})), "MSS-DOC-05", "the CDA codes are")
    fail(email(build_message([], headers={"X-MSS-CODECDA": "11490-0"})), "MSS-DOC-05", "must be absent")
    ok(email(build_message([])), "MSS-DOC-05")
    repeated = email(build_message([Doc(), DLU], headers={"X-MSS-CODECDA": ["11490-0", "74207-2"]}))
    assert verdicts(repeated, "MSS-DOC-05") == {Verdict.WARN}  # separator UNSURE: repeat is a warning


@pytest.mark.requirements("MSS-DOC-06")
def test_x_mss_ins() -> None:
    ok(email(build_message()), "MSS-DOC-06")
    fail(email(build_message(headers={"X-MSS-INS": "N"})), "MSS-DOC-06", "expected 'O'")
    fail(email(build_message(headers={"X-MSS-INS": "o"})), "MSS-DOC-06", "expected 'O'")
    fail(email(build_message(headers={"X-MSS-INS": None})), "MSS-DOC-06", "absent")
    no_ins = Doc(with_ins=False)
    ok(email(build_message([no_ins])), "MSS-DOC-06")  # builder writes N when no INS
    fail(email(build_message([no_ins], headers={"X-MSS-INS": "O"})), "MSS-DOC-06", "expected 'N'")
    fail(email(build_message([], headers={"X-MSS-INS": "N"})), "MSS-DOC-06", "must be absent")
