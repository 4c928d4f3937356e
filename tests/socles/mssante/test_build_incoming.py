"""The messages the harness delivers to the DUI: each is what its name says, and nothing else."""

from __future__ import annotations

import email.policy
import hashlib
import io
import zipfile
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from lxml import etree

from conformance import identities
from conformance.formats.ins import parse_cx
from conformance.formats.xmlsafe import parse_xml
from conformance.socles.mssante import incoming
from conformance.socles.mssante.build.inputs import BuildEnv
from conformance.socles.mssante.build.metadata import DE_SCHEMES, RIM, SS_SCHEMES

BAL = "dui-app@ehpad-essai.mssante.fr"
R = {"rim": RIM}


def _parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage) and not msg.defects
    return msg


def _archive(msg: EmailMessage) -> dict[str, bytes]:
    part = next(p for p in msg.iter_attachments() if p.get_filename() == "IHE_XDM.zip")
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _metadata(files: dict[str, bytes]) -> tuple[str, str, str, str]:
    root = parse_xml(files["IHE_XDM/SUBSET01/METADATA.XML"])
    eo = next(root.iter(f"{{{RIM}}}ExtrinsicObject"))
    ss = next(root.iter(f"{{{RIM}}}RegistryPackage"))

    def ext(obj: etree._Element, scheme: str) -> str:
        values = obj.xpath(f"rim:ExternalIdentifier[@identificationScheme='{scheme}']/@value", namespaces=R)
        assert isinstance(values, list)
        return str(values[0])

    def slot(name: str) -> str:
        return str(eo.xpath(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value/text()", namespaces=R)[0])

    return ext(ss, SS_SCHEMES["patientId"]), ext(eo, DE_SCHEMES["patientId"]), slot("URI"), slot("hash")


@pytest.mark.requirements("MSS-RCV-01")
def test_good_message_for_a_known_patient() -> None:
    patient = identities.patient("resident-second")
    msg_in = incoming.for_patient(patient, to=BAL, env=BuildEnv.fixed(1))
    msg = _parse(msg_in.data)
    assert msg["Return-Path"] == f"<{identities.professional('doctor')['address']}>"
    assert msg["Message-ID"] == msg_in.message_id and msg.get("Disposition-Notification-To") is None
    assert (
        msg["Subject"].startswith("XDM/1.0/DDM+CR ou fiche de consultation") and "LEROY-ESSAI Marcel" in msg["Subject"]
    )
    files = _archive(msg)
    ss_pid, de_pid, uri, sha1 = _metadata(files)
    cx = parse_cx(ss_pid)
    assert cx is not None and cx.id == patient["ins"] and ss_pid == de_pid
    assert sha1 == hashlib.sha1(files[f"IHE_XDM/SUBSET01/{uri}"]).hexdigest()


@pytest.mark.requirements("MSS-ACK-05")
def test_asking_an_mdn_points_to_the_return_path() -> None:
    msg = _parse(incoming.for_patient(identities.patient("unknown-patient"), to=BAL, ask_mdn=True).data)
    assert f"<{msg['Disposition-Notification-To']}>" == msg["Return-Path"]


@pytest.mark.requirements("MSS-RCV-01")
def test_misleading_subject() -> None:
    msg = _parse(
        incoming.misleading_subject(
            identities.patient("resident-second"),
            to=BAL,
            subject_person=identities.patient("resident-qualified"),
        ).data
    )
    assert "MARTIN-ESSAI Jeanne 12/04/1938" in msg["Subject"]
    ss_pid, _, _, _ = _metadata(_archive(msg))
    assert ss_pid.startswith(identities.patient("resident-second")["ins"])


@pytest.mark.requirements("MSS-RCV-02")
def test_junk_entries_and_uri_case() -> None:
    files = _archive(_parse(incoming.with_junk_entries(identities.patient("resident-second"), to=BAL).data))
    assert "IHE_XDM/.DS_Store" in files and any(n.startswith("__MACOSX/") for n in files)
    _, _, uri, sha1 = _metadata(files)
    assert uri == "doc0001.xml" and "IHE_XDM/SUBSET01/DOC0001.XML" in files
    assert sha1 == hashlib.sha1(files["IHE_XDM/SUBSET01/DOC0001.XML"]).hexdigest()


@pytest.mark.requirements("MSS-RCV-02")
def test_wrong_hash() -> None:
    files = _archive(_parse(incoming.with_wrong_hash(identities.patient("resident-second"), to=BAL).data))
    _, _, uri, sha1 = _metadata(files)
    assert sha1 != hashlib.sha1(files[f"IHE_XDM/SUBSET01/{uri}"]).hexdigest()


@pytest.mark.requirements("MSS-RCV-04")
def test_from_the_patient_address() -> None:
    patient = identities.patient("resident-qualified")
    msg = _parse(incoming.from_patient_address(patient, to=BAL).data)
    assert msg["From"].addresses[0].addr_spec == f"{patient['ins']}@patient.mssante.fr"
    assert not list(msg.iter_attachments()) and not msg["Subject"].startswith("XDM/")


def test_message_ids_are_unique_across_calls() -> None:
    patient = identities.patient("resident-second")
    ids = {incoming.for_patient(patient, to=BAL).message_id for _ in range(5)}
    assert len(ids) == 5
