"""The MSSanté message: headers, subject, body, IHE_XDM.zip and PDF copies, parsed back with `email`."""

from __future__ import annotations

import email.policy
import email.utils
import io
import zipfile
from datetime import date
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from conformance import identities
from conformance.socles.mssante.build.documents import BuiltDocument, build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    REFERENCE,
    Bal,
    BuildEnv,
    Deviations,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.message import (
    BuiltMessage,
    documents_message,
    pdf_file_name,
    reply_subject,
    text_message,
)

BAL = Bal("dui-app@ehpad-essai.mssante.fr", "EHPAD Essai - Soins", "APP")
DOCTOR = "dr.medecin-essai@test-ci-sis.mssante.fr"
LETTRE = DocumentRequest(
    "11490-0",
    "Lettre de liaison à la sortie d'un établissement de soins",
    "Lettre de liaison",
    date(2026, 11, 20),
)
CR = DocumentRequest("11488-4", "CR ou fiche de consultation ou de visite", "CR", date(2026, 11, 18))


def _patient(key: str = "resident-qualified") -> Patient:
    return Patient.from_identity(identities.patient(key))


def _build(
    requests: list[DocumentRequest] | None = None,
    to: list[str] | None = None,
    *,
    key: str = "resident-qualified",
    dev: Deviations = REFERENCE,
    **opts: bool,
) -> tuple[BuiltMessage, list[BuiltDocument]]:
    env = BuildEnv.fixed(11)
    docs = [
        build_document(_patient(key), r, author=EHPAD_DOCTOR, org=EHPAD, env=env, deviations=dev)
        for r in requests or [LETTRE]
    ]
    built = documents_message(
        BAL,
        to or [DOCTOR],
        docs,
        org=EHPAD,
        body="Bonjour,\nCi-joint le document.\n",
        nil="DUI-CONF-0001",
        env=env,
        deviations=dev,
        block_reply=opts.get("block_reply", False),
        read_receipt=opts.get("read_receipt", False),
    )
    return built, docs


def _parse(built: BuiltMessage) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(built.data)
    assert isinstance(msg, EmailMessage) and not msg.defects
    return msg


def _attachments(msg: EmailMessage) -> list[tuple[str, str, bytes]]:
    out = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes) and part["Content-Transfer-Encoding"] == "base64"
        out.append((part.get_content_type(), part.get_filename() or "", payload))
    return out


@pytest.mark.requirements("MSS-MSG-01", "MSS-MSG-05", "MSS-MSG-06")
def test_rfc5322_and_mssante_headers() -> None:
    built, _ = _build()
    msg = _parse(built)
    assert msg["Message-ID"] == built.message_id and built.message_id.endswith("@ehpad-essai.mssante.fr>")
    assert email.utils.parsedate_to_datetime(str(msg["Date"])) == BuildEnv.fixed().now
    assert msg["MIME-Version"] == "1.0"
    assert msg["From"].addresses[0].display_name == "EHPAD Essai - Soins"
    assert msg["From"].addresses[0].addr_spec == BAL.address
    assert [a.addr_spec for a in msg["To"].addresses] == [DOCTOR]
    assert msg["X-MSS-NIL"] == "DUI-CONF-0001"
    assert msg["X-MSS-CODECDA"] == "11490-0" and msg["X-MSS-INS"] == "O"
    assert msg.get("X-MSS-MES") is None and msg.get("Disposition-Notification-To") is None


@pytest.mark.requirements("MSS-MSG-03", "MSS-MSG-04")
def test_body_is_utf8_text_plain() -> None:
    msg = _parse(_build()[0])
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == "Bonjour,\nCi-joint le document.\n"


@pytest.mark.requirements("MSS-DOC-02", "MSS-DOC-03", "MSS-DOC-04")
def test_subject_attachments_and_pdf_names() -> None:
    built, docs = _build()
    msg = _parse(built)
    assert msg["Subject"] == "XDM/1.0/DDM+Lettre de liaison à la sortie d'un établ MARTIN-ESSAI Jeanne 12/04/1938"
    (zip_type, zip_name, zip_data), (pdf_type, pdf_name, pdf_data) = _attachments(msg)
    assert (zip_type, zip_name) == ("application/zip", "IHE_XDM.zip")
    with zipfile.ZipFile(io.BytesIO(zip_data)) as zf:
        assert zf.read("IHE_XDM/SUBSET01/DOC0001.XML") == docs[0].cda
    assert pdf_type == "application/pdf" and pdf_data == docs[0].pdf
    assert pdf_name == "20261120_Lettre de liaison à la sortie d'un établ_MARTIN-ESSAI_Jeanne_EHPAD-0001.pdf"
    assert pdf_name == pdf_file_name(docs[0])


@pytest.mark.requirements("MSS-DOC-01", "MSS-DOC-04", "MSS-DOC-05")
def test_two_documents() -> None:
    msg = _parse(_build([LETTRE, CR])[0])
    assert msg["Subject"] == "XDM/1.0/DDM+2 documents MARTIN-ESSAI Jeanne 12/04/1938"
    assert msg["X-MSS-CODECDA"] == "11490-0,11488-4"
    names = [n for t, n, _ in _attachments(msg) if t == "application/pdf"]
    assert names == [
        "20261120_Lettre de liaison à la sortie d'un établ_MARTIN-ESSAI_Jeanne_EHPAD-0001.pdf",
        "20261118_CR ou fiche de consultation ou de visite_MARTIN-ESSAI_Jeanne_EHPAD-0001.pdf",
    ]


def test_file_name_characters_are_normalised() -> None:
    social = DocumentRequest("28653-4", "Document du secteur social / médico-social", "Social", date(2026, 1, 5))
    _, docs = _build([social])
    # "/" cannot be in a file name: it becomes "_" (as the checks normalise it); type cut at 40 characters
    assert (
        pdf_file_name(docs[0]) == "20260105_Document du secteur social _ médico-soci_MARTIN-ESSAI_Jeanne_EHPAD-0001.pdf"
    )


@pytest.mark.requirements("MSS-PAT-02", "MSS-ACK-02")
def test_patient_address_blocking_and_read_receipt() -> None:
    patient = _patient()
    msg = _parse(_build(to=[patient.address], block_reply=True, read_receipt=True)[0])
    assert msg["X-MSS-MES"] == "FIN"
    assert msg["Disposition-Notification-To"] == BAL.address
    to_pro = _parse(_build(block_reply=True)[0])
    assert to_pro.get("X-MSS-MES") is None  # reserved to usager addresses


@pytest.mark.requirements("MSS-DOC-06")
def test_unqualified_identity_says_n() -> None:
    msg = _parse(_build(key="resident-unqualified")[0])
    assert msg["X-MSS-INS"] == "N"


@pytest.mark.requirements("MSS-MSG-02")
def test_reply_threading() -> None:
    built = text_message(
        BAL,
        [DOCTOR],
        reply_subject("XDM/1.0/DDM+CR"),
        "Merci.\n",
        nil="N",
        env=BuildEnv.fixed(),
        deviations=REFERENCE,
        in_reply_to="<a@b>",
        references=["<z@y>"],
    )
    msg = _parse(built)
    assert msg["Subject"] == "Re: XDM/1.0/DDM+CR" and reply_subject("RE: x") == "RE: x"
    assert msg["In-Reply-To"] == "<a@b>" and msg["References"] == "<z@y> <a@b>"
    assert msg.get("X-MSS-CODECDA") is None and msg.get("X-MSS-INS") is None
    bare = _parse(
        text_message(
            BAL,
            [DOCTOR],
            "Re: x",
            "y",
            nil="N",
            env=BuildEnv.fixed(),
            deviations=Deviations(references=False),
            in_reply_to="<a@b>",
        )
    )
    assert bare["In-Reply-To"] == "<a@b>" and bare.get("References") is None


def test_reproducible_wire_form() -> None:
    assert _build()[0].data == _build()[0].data
    assert b"\r\n" in _build()[0].data and b"MIME-Version" not in _build()[0].data.split(b"\r\n\r\n", 1)[1]


DEPARTURES = [
    pytest.param(Deviations(message_id=False), lambda m: m.get("Message-ID") is None, id="message-id"),
    pytest.param(Deviations(nil_header=False), lambda m: m.get("X-MSS-NIL") is None, id="nil"),
    pytest.param(
        Deviations(text_charset="iso-8859-1"),
        lambda m: m.get_body(preferencelist=("plain",)).get_content_charset() == "iso-8859-1",
        id="charset",
    ),
    pytest.param(Deviations(from_display_name=False), lambda m: m["From"].addresses[0].display_name == "", id="from"),
    pytest.param(
        Deviations(subject_prefix=False),
        lambda m: not str(m["Subject"]).startswith("XDM/1.0/DDM+"),
        id="prefix",
    ),
    pytest.param(Deviations(codecda_from_cda=False), lambda m: m["X-MSS-CODECDA"] == "11,10", id="codecda"),
    pytest.param(Deviations(x_mss_ins_to_professionals=False), lambda m: m.get("X-MSS-INS") is None, id="x-mss-ins"),
    pytest.param(
        Deviations(pdf_copy_per_document=False),
        lambda m: [t for t, _, _ in _attachments(m)] == ["application/zip", "application/pdf"],
        id="pdf-copy",
    ),
    pytest.param(
        Deviations(read_receipt_header=False),
        lambda m: m.get("Disposition-Notification-To") is None,
        id="dnt",
    ),
]


@pytest.mark.parametrize(("dev", "shows"), DEPARTURES)
def test_each_departure_shows_in_the_message(dev: Deviations, shows: object) -> None:
    msg = _parse(_build([LETTRE, CR], dev=dev, read_receipt=True)[0])
    assert callable(shows) and shows(msg)
    assert _build([LETTRE, CR], dev=dev, read_receipt=True)[0].data != _build([LETTRE, CR], read_receipt=True)[0].data


def test_mes_value_departure() -> None:
    msg = _parse(_build(to=[_patient().address], dev=Deviations(mes_value="fin"), block_reply=True)[0])
    assert msg["X-MSS-MES"] == "fin"
