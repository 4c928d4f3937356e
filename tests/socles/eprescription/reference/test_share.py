"""The reference DUI shares a registered ordonnance (verb "eprescription.share"), against the mock operator.

The DMP side is exercised by the cross-socle scenario (suite/test_cross_socle.py, run with --socle dmp);
here, through the composed demo DUI (the sharing goes through the MSSanté part's verbs): the MSSanté part
sends the very PDF that was printed, only to a patient whose INS is qualified, the refusals are answers,
and each sharing defect really changes the behaviour.
"""

from __future__ import annotations

import email.policy
import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from conformance import identities
from conformance.demo import DemoDriver
from conformance.drivers.base import Action, Outcome
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.socles.eprescription.reference.client import Issued
from conformance.socles.eprescription.reference.part import EprescriptionPart
from conformance.socles.eprescription.reference.pdf import PrintInput, ordonnance_pdf
from conformance.socles.eprescription.service import make_number
from conformance.socles.mssante.service import Operator

NUMBER = make_number(777001)


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    pki = TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "share-pki")
    journal = EvidenceJournal(tmp_path_factory.mktemp("share-evidence"))
    with Operator(journal, pki, whitelist=identities.whitelist()) as operator:
        yield operator
    journal.close()


def _dui(op: Operator, patient: str, defect: str | None = None) -> tuple[DemoDriver, bytes]:
    dui = DemoDriver(defect)
    dui.configure(
        {
            "mssante": {
                **op.settings(),
                "bal": identities.dui_bal(),
                "nil": "DUI-CONF-0001",
                "whitelist": identities.whitelist(),
                "patients": identities.patients(),
            }
        }
    )
    ident = identities.patient(patient)
    pdf = ordonnance_pdf(
        PrintInput(
            NUMBER,
            ident,
            {"family": "MEDECIN-ESSAI", "given": "Paul", "rpps": "10000000000"},
            {"name": "EHPAD ESSAI"},
            "23/11/2026",
            ["FUROSEMIDE 40 mg cp : 1 comprimé"],
        )
    )
    _part(dui).prescriber.issued[NUMBER] = Issued(NUMBER, ident, pdf)  # as prescribe() records it
    return dui, pdf


def _part(dui: DemoDriver) -> EprescriptionPart:
    part = dui.parts["eprescription"]
    assert isinstance(part, EprescriptionPart)
    return part


def _share(dui: DemoDriver, number: str = NUMBER, **asked: bool) -> Outcome:
    return dui.act(Action("eprescription.share", {"prescription_number": number, **asked}))


def _sent(op: Operator, mark: int) -> list[tuple[list[str], EmailMessage]]:
    assert op.wait_idle(timeout=10)
    out = []
    for sub in op.submissions_since(mark):
        msg = BytesParser(policy=email.policy.default).parsebytes(sub.data)
        assert isinstance(msg, EmailMessage)
        out.append((sub.rcpts, msg))
    return out


@pytest.mark.requirements("EP-23")
def test_sends_the_printed_ordonnance_to_a_qualified_patient(op: Operator) -> None:
    dui, pdf = _dui(op, "resident-qualified")
    mark = op.mark()
    out = _share(dui, to_patient_mssante=True)
    assert out.ok and out.data["mssante"]["status"] == "ok" and out.data["mssante"]["message_id"], out
    ((rcpts, msg),) = _sent(op, mark)
    assert rcpts == ["238047505612394@patient.mssante.fr"]
    attachments = {p.get_content_type(): p.get_content() for p in msg.iter_attachments()}
    assert attachments["application/pdf"] == pdf  # the very PDF printed, QR code included
    with zipfile.ZipFile(io.BytesIO(attachments["application/zip"])) as z:
        metadata = z.read("IHE_XDM/SUBSET01/METADATA.XML").decode()
    assert 'nodeRepresentation="57833-6"' in metadata and 'nodeRepresentation="42"' in metadata


@pytest.mark.requirements("EP-23")
def test_unqualified_patient_refused_before_connecting(op: Operator) -> None:
    dui, _ = _dui(op, "resident-unqualified")
    mark = op.mark()
    out = _share(dui, to_patient_mssante=True)
    assert out.status == "refused" and "non qualifiée" in out.data["mssante"]["detail"], out
    assert op.wait_idle(timeout=10) and not op.sessions_since(mark)


@pytest.mark.requirements("EP-23")
def test_defect_sends_to_an_unqualified_patient(op: Operator) -> None:
    dui, _ = _dui(op, "resident-unqualified", "ordonnance-to-unqualified-patient")
    mark = op.mark()
    assert _share(dui, to_patient_mssante=True).ok
    ((rcpts, _),) = _sent(op, mark)
    assert rcpts == ["141093306301146@patient.mssante.fr"]


def test_document_types_and_wrong_type_defect(op: Operator) -> None:
    dui, pdf = _dui(op, "resident-qualified")
    doc = _part(dui).sharer.document(NUMBER, pdf)
    assert (doc["type_code"], doc["class_code"]) == ("57833-6", "42")
    assert doc["type_display"] == "Prescription de produits de santé" and doc["class_display"] == "Prescription"
    wrong, _ = _dui(op, "resident-qualified", "ordonnance-dmp-wrong-type")
    assert _part(wrong).sharer.document(NUMBER, pdf)["type_code"] == "57832-8"


def test_refusals_and_errors_are_answers(op: Operator) -> None:
    dui, _ = _dui(op, "resident-qualified")
    assert _share(dui, number="", to_dmp=True).status == "refused"
    assert "inconnue" in _share(dui, number=make_number(1), to_dmp=True).detail
    assert _share(dui).status == "refused"  # nothing asked
    out = _share(dui, to_dmp=True)  # no DMP configured
    assert out.status == "error" and "DMP" in out.data["dmp"]["detail"]
