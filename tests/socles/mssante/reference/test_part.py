"""The reference DUI against the mock operator, over real TLS on loopback: what it sends, reads, refuses.

The checks judge these messages in the suite; here the point is the DUI's own behaviour (answers,
records, refusals before connecting, receipts) and that each behavioural or transport defect really
changes it.
"""

from __future__ import annotations

import email.policy
import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from conformance import identities
from conformance.demo import DemoDriver
from conformance.drivers.base import Action, Outcome
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.socles.mssante import incoming
from conformance.socles.mssante.service import Operator

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
LETTRE = {
    "type_code": "11490-0",
    "type_display": "Lettre de liaison à la sortie d'un établissement de soins",
    "title": "Lettre de liaison",
    "service_date": "2026-11-20",
}
CR = {
    "type_code": "11488-4",
    "type_display": "CR ou fiche de consultation ou de visite",
    "title": "CR",
    "service_date": "2026-11-18",
}
LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    pki = TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "demo-pki")
    journal = EvidenceJournal(tmp_path_factory.mktemp("demo-evidence"))
    with Operator(journal, pki, whitelist=identities.whitelist(), size_limit=LIMIT) as operator:
        yield operator
    journal.close()


def _dui(op: Operator, defect: str | None = None, **overrides: Any) -> DemoDriver:
    dui = DemoDriver(defect)
    settings = {
        **op.settings(),
        "bal": identities.dui_bal(),
        "nil": "DUI-CONF-0001",
        "whitelist": identities.whitelist(),
        "patients": identities.patients(),
        **overrides,
    }
    dui.configure({"mssante": settings})
    return dui


@pytest.fixture
def dui(op: Operator) -> DemoDriver:
    op.variant = "good"
    return _dui(op)


def _send(
    dui: DemoDriver,
    patient: str = "resident-qualified",
    docs: list[dict[str, Any]] | None = None,
    to: list[str] | None = None,
    **opts: Any,
) -> Outcome:
    params = {
        "patient": identities.patient(patient),
        "documents": docs or [LETTRE],
        "to": [DOCTOR] if to is None else to,
        "body": "Bonjour,\nCi-joint.\n",
        **opts,
    }
    return dui.act(Action("mssante.send_documents", params))


def _parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def _mine(op: Operator, mark: int) -> list[EmailMessage]:
    assert op.wait_idle(timeout=10)
    return [_parse(s.data) for s in op.submissions_since(mark)]


def _receive(dui: DemoDriver, op: Operator) -> dict[str, Any]:
    out = dui.act(Action("mssante.receive", {}))
    assert out.ok, out.detail
    assert op.wait_idle(timeout=10)
    return out.data


def _entry(items: list[dict[str, Any]], message_id: str) -> dict[str, Any] | None:
    return next((i for i in items if i.get("message_id") == message_id), None)


# -- sending ------------------------------------------------------------------------------------


@pytest.mark.requirements("MSS-MSG-06", "MSS-TRC-01", "MSS-AUTH-04")
def test_send_documents_and_trace(op: Operator, dui: DemoDriver) -> None:
    mark = op.mark()
    out = _send(dui, docs=[LETTRE, CR])
    assert out.ok, out.detail
    (msg,) = _mine(op, mark)
    assert msg["Message-ID"] == out.data["message_id"] and msg["X-MSS-NIL"] == "DUI-CONF-0001"
    assert msg["Subject"] == "XDM/1.0/DDM+2 documents MARTIN-ESSAI Jeanne 12/04/1938"
    smtp = [s for s in op.sessions_since(mark) if s.protocol == "smtp"]
    assert smtp and smtp[0].client_cert is not None and smtp[0].tls_version in ("TLSv1.2", "TLSv1.3")
    entries = dui.act(Action("dui.audit_trail", {})).data["entries"]
    (entry,) = [e for e in entries if e["message_id"] == out.data["message_id"]]
    assert entry["action"] == "send" and entry["author"] and entry["time"] and entry["bal"] == BAL
    assert "STARTTLS" in entry["request"] and f"MAIL FROM:<{BAL}>" in entry["request"]


@pytest.mark.requirements("MSS-NEG-01", "MSS-PAT-01", "MSS-PAT-03", "MSS-PAT-04", "MSS-SIZE-01")
@pytest.mark.parametrize(
    ("patient", "docs", "to", "opts", "why"),
    [
        ("resident-qualified", [LETTRE], [identities.outside_address()], {}, "liste blanche"),
        ("resident-unqualified", [LETTRE], [], {"to_patient": True}, "non qualifiée"),
        ("resident-opposition", [LETTRE], [], {"to_patient": True}, "opposé"),
        ("resident-qualified", [{**LETTRE, "invisible_patient": True}], [], {"to_patient": True}, "masqué"),
        ("resident-qualified", [{**LETTRE, "extra_bytes": LIMIT}], [DOCTOR], {}, "taille maximale"),
        ("resident-qualified", [LETTRE], [], {}, "aucun destinataire"),
    ],
)
def test_refused_before_connecting(
    op: Operator,
    dui: DemoDriver,
    patient: str,
    docs: list[dict[str, Any]],
    to: list[str],
    opts: dict[str, Any],
    why: str,
) -> None:
    mark = op.mark()
    out = _send(dui, patient, docs, to, **opts)
    assert out.status == "refused" and why in out.detail
    assert op.wait_idle(timeout=10) and not op.sessions_since(mark)


@pytest.mark.requirements("MSS-PAT-01", "MSS-PAT-02")
def test_send_to_the_usager(op: Operator, dui: DemoDriver) -> None:
    mark = op.mark()
    assert _send(dui, to=[], to_patient=True, block_reply=True).ok
    (msg,) = _mine(op, mark)
    assert [a.addr_spec for a in msg["To"].addresses] == ["238047505612394@patient.mssante.fr"]
    assert msg["X-MSS-MES"] == "FIN" and msg["X-MSS-INS"] == "O"


@pytest.mark.requirements("MSS-ACK-01", "MSS-ACK-02", "MSS-ACK-03")
def test_receipts_are_correlated(op: Operator, dui: DemoDriver) -> None:
    mark = op.mark()
    out = _send(dui, delivery_receipt=True, read_receipt=True)
    (sent,) = op.submissions_since(mark)
    assert sent.rcpt_params[DOCTOR].get("NOTIFY") == "SUCCESS,FAILURE" and "ENVID" in sent.mail_params
    assert _parse(sent.data)["Disposition-Notification-To"] == BAL
    op.deliver(BAL, incoming.read_receipt(sent.data, reader=DOCTOR))
    data = _receive(dui, op)
    kinds = {r["type"] for r in data["receipts"] if r["original_message_id"] == out.data["message_id"]}
    assert kinds == {"delivered", "read"}


# -- receiving ----------------------------------------------------------------------------------


@pytest.mark.requirements("MSS-RCV-01", "MSS-RCV-03")
def test_integrates_by_metadata_patient_id(op: Operator, dui: DemoDriver) -> None:
    second = identities.patient("resident-second")
    msg = incoming.misleading_subject(second, subject_person=identities.patient("resident-qualified"), to=BAL)
    op.deliver(BAL, msg.data)
    data = _receive(dui, op)
    done = _entry(data["integrated"], msg.message_id)
    assert done and done["record_id"] == "EHPAD-0002" and done["patient_ins"] == second["ins"]
    assert len(done["documents"]) == 1 and len(done["documents"][0]["sha1"]) == 40
    shown = _entry(data["inbox"], msg.message_id)
    assert shown and shown["displayed_subject"].startswith("CR ou fiche") and shown["from_patient"] is False
    again = _receive(dui, op)  # \Seen: not integrated twice
    assert [i["message_id"] for i in again["integrated"]].count(msg.message_id) == 1


@pytest.mark.requirements("MSS-RCV-01", "MSS-ACK-04", "MSS-ACK-05")
def test_unknown_usager_rejected_with_automatic_mdn(op: Operator, dui: DemoDriver) -> None:
    msg = incoming.for_patient(identities.patient("unknown-patient"), to=BAL, ask_mdn=True)
    op.deliver(BAL, msg.data)
    mark = op.mark()
    data = _receive(dui, op)
    assert _entry(data["rejected"], msg.message_id) == {
        "message_id": msg.message_id,
        "code": "902",
        "reason": "Identifiant de patient inconnu",
    }
    assert _entry(data["integrated"], msg.message_id) is None
    (mdn,) = _mine(op, mark)
    assert mdn["Subject"].startswith("[KO Intégration système !][902] XDM/1.0/DDM+")
    assert mdn.get_param("report-type") == "disposition-notification" and mdn["To"] == DOCTOR


@pytest.mark.requirements("MSS-RCV-02")
def test_tolerant_but_checks_hashes(op: Operator, dui: DemoDriver) -> None:
    second = identities.patient("resident-second")
    junk, wrong = incoming.with_junk_entries(second, to=BAL), incoming.with_wrong_hash(second, to=BAL)
    op.deliver(BAL, junk.data)
    op.deliver(BAL, wrong.data)
    data = _receive(dui, op)
    assert _entry(data["integrated"], junk.message_id)
    rejected = _entry(data["rejected"], wrong.message_id)
    assert rejected and rejected["code"] == "906" and _entry(data["integrated"], wrong.message_id) is None


@pytest.mark.requirements("MSS-RCV-04")
def test_usager_messages_are_flagged(op: Operator, dui: DemoDriver) -> None:
    patient = identities.patient("resident-qualified")
    msg = incoming.from_patient_address(patient, to=BAL)
    op.deliver(BAL, msg.data)
    shown = _entry(_receive(dui, op)["inbox"], msg.message_id)
    assert shown == {
        "message_id": msg.message_id,
        "displayed_subject": "Question sur mon traitement",
        "from": f"{patient['ins']}@patient.mssante.fr",
        "from_patient": True,
        "patient_name": "MARTIN-ESSAI Jeanne",
        "patient_ins": patient["ins"],
    }


@pytest.mark.requirements("MSS-MSG-02", "MSS-ACK-04")
def test_reply_and_manual_mdn(op: Operator, dui: DemoDriver) -> None:
    msg = incoming.for_patient(identities.patient("resident-second"), to=BAL, ask_mdn=True)
    op.deliver(BAL, msg.data)
    _receive(dui, op)
    mark = op.mark()
    assert dui.act(Action("mssante.reply", {"message_id": msg.message_id, "body": "Merci.\n"})).ok
    assert dui.act(Action("mssante.send_mdn", {"message_id": msg.message_id, "disposition": "displayed"})).ok
    reply, mdn = _mine(op, mark)
    assert reply["In-Reply-To"] == msg.message_id and reply["References"] == msg.message_id
    assert reply["Subject"].startswith("Re: XDM/1.0/DDM+")
    fields = next(p for p in mdn.iter_parts() if p.get_content_type() == "message/disposition-notification")
    text = fields.as_string()
    assert f"Original-Message-ID: {msg.message_id}" in text and "manual-action/MDN-sent-manually; displayed" in text
    unknown = dui.act(Action("mssante.send_mdn", {"message_id": "<nope@x>", "disposition": "displayed"}))
    assert unknown.status == "refused"


# -- failures -----------------------------------------------------------------------------------


@pytest.mark.requirements("MSS-CONF-02", "MSS-TLS-05", "MSS-TLS-06", "MSS-TLS-07", "MSS-TLS-03", "MSS-TLS-01")
@pytest.mark.parametrize("variant", ["down", "rogue-ca", "expired", "revoked", "tls-legacy", "no-starttls"])
def test_untrustworthy_operator_is_an_error(op: Operator, dui: DemoDriver, variant: str) -> None:
    op.variant = variant
    try:
        mark = op.mark()
        out = _send(dui)
        assert out.status == "error" and out.detail
        assert op.wait_idle(timeout=10) and not op.submissions_since(mark)
    finally:
        op.variant = "good"
    assert _send(dui).ok  # and the DUI goes on working


def test_driver_answers_without_raising(op: Operator, tmp_path: Path) -> None:
    assert DemoDriver().act(Action("mssante.receive", {})).status == "error"  # not configured
    dui = _dui(op)
    assert dui.act(Action("no.such.verb", {})).detail == "unsupported verb"
    broken = _dui(op, crl=str(tmp_path / "absent.pem"))
    out = _send(broken)
    assert out.status == "error" and "CRL" in out.detail


# -- each behavioural and transport defect changes what the DUI does -----------------------------


def _sessions(op: Operator, mark: int, protocol: str) -> list[Any]:
    assert op.wait_idle(timeout=10)
    return [s for s in op.sessions_since(mark) if s.protocol == protocol]


@pytest.mark.parametrize(
    ("defect", "variant"),
    [
        ("accept-rogue-ca", "rogue-ca"),
        ("accept-expired", "expired"),
        ("no-crl-check", "revoked"),
        ("accept-tls10", "tls-legacy"),
    ],
)
def test_transport_defects_accept_what_the_reference_refuses(op: Operator, defect: str, variant: str) -> None:
    op.variant = variant
    try:
        reference, flawed = _send(_dui(op)), _send(_dui(op, defect))
    finally:
        op.variant = "good"
    assert reference.status == "error" and flawed.ok, flawed.detail


def test_plaintext_fallback_sends_mail_in_clear(op: Operator) -> None:
    op.variant = "no-starttls"
    try:
        mark = op.mark()
        _send(_dui(op, "plaintext-fallback"))
    finally:
        op.variant = "good"
    (session,) = _sessions(op, mark, "smtp")
    assert any(c.verb == "MAIL" and c.in_clear for c in session.commands)


def test_imap_auth_before_starttls(op: Operator) -> None:
    mark = op.mark()
    _receive(_dui(op, "imap-auth-before-starttls"), op)
    (session,) = _sessions(op, mark, "imap")
    assert any(c.verb == "AUTHENTICATE" and c.in_clear for c in session.commands)


def test_client_certificate_late(op: Operator) -> None:
    mark = op.mark()
    assert _send(_dui(op, "client-cert-late")).ok
    first, second = _sessions(op, mark, "smtp")
    assert first.client_cert is None and second.client_cert is not None


def test_error_swallowed(op: Operator) -> None:
    op.variant = "down"
    try:
        assert _send(_dui(op, "error-swallowed")).ok
    finally:
        op.variant = "good"


@pytest.mark.parametrize(
    ("defect", "patient", "docs", "to", "opts"),
    [
        ("send-outside-whitelist", "resident-qualified", [LETTRE], [identities.outside_address()], {}),
        ("patient-address-unqualified", "resident-unqualified", [LETTRE], [], {"to_patient": True}),
        ("ignore-opposition", "resident-opposition", [LETTRE], [], {"to_patient": True}),
        (
            "send-invisible-doc",
            "resident-qualified",
            [{**LETTRE, "invisible_patient": True}],
            [],
            {"to_patient": True},
        ),
    ],
)
def test_refusal_defects_go_ahead(
    op: Operator, defect: str, patient: str, docs: list[dict[str, Any]], to: list[str], opts: dict[str, Any]
) -> None:
    mark = op.mark()
    out = _send(_dui(op, defect), patient, docs, to, **opts)
    assert out.status != "refused"
    assert _sessions(op, mark, "smtp")


def test_two_patients(op: Operator) -> None:
    mark = op.mark()
    assert _send(_dui(op, "two-patients"), "resident-second", [LETTRE, CR], [DOCTOR]).ok
    (msg,) = _mine(op, mark)
    names = [p.get_filename() or "" for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert "LEROY-ESSAI" in names[0] and "MARTIN-ESSAI" in names[1]


def test_receiving_defects(op: Operator) -> None:
    second, first = identities.patient("resident-second"), identities.patient("resident-qualified")
    misleading = incoming.misleading_subject(second, subject_person=first, to=BAL)
    from_patient = incoming.from_patient_address(first, to=BAL)
    for m in (misleading, from_patient):
        op.deliver(BAL, m.data)
    by_subject = _receive(_dui(op, "integrate-by-subject"), op)
    # the subject points at MARTIN-ESSAI, whose INS the CDA does not carry: not filed in LEROY-ESSAI's record
    assert _entry(by_subject["integrated"], misleading.message_id) is None
    assert (_entry(by_subject["rejected"], misleading.message_id) or {}).get("code") == "904"
    for m in (misleading, from_patient):
        op.deliver(BAL, m.data)
    shown = _receive(_dui(op, "prefix-shown"), op)
    assert (_entry(shown["inbox"], misleading.message_id) or {})["displayed_subject"].startswith("XDM/1.0/DDM+")
    for m in (misleading, from_patient):
        op.deliver(BAL, m.data)
    unflagged = _receive(_dui(op, "patient-not-flagged"), op)
    assert (_entry(unflagged["inbox"], from_patient.message_id) or {})["from_patient"] is False


def test_receipts_ignored_and_no_audit(op: Operator) -> None:
    dui = _dui(op, "receipts-ignored")
    out = _send(dui, delivery_receipt=True)
    assert out.ok and _receive(dui, op)["receipts"] == []
    quiet = _dui(op, "no-audit")
    assert _send(quiet).ok and quiet.act(Action("dui.audit_trail", {})).data["entries"] == []


def _hostile(attachment: bytes, name: str = "IHE_XDM.zip") -> bytes:
    msg = EmailMessage()
    msg["From"] = DOCTOR
    msg["To"] = BAL
    msg["Subject"] = "XDM/1.0/DDM+CR MARTIN-ESSAI Jeanne"
    msg["Message-ID"] = f"<hostile-{len(attachment)}-{name}@test-ci-sis.mssante.fr>"
    msg.set_content("x")
    msg.add_attachment(attachment, maintype="application", subtype="zip", filename=name)
    return msg.as_bytes()


def _zip_with(metadata: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
    return buf.getvalue()


XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'


@pytest.mark.requirements("MSS-RCV-02")
def test_hostile_messages_are_rejected_not_fatal(op: Operator, dui: DemoDriver) -> None:
    cases = [
        _hostile(b"not a zip at all"),
        _hostile(_zip_with(XXE)),
        _hostile(_zip_with(b"<unclosed")),
        _hostile(_zip_with(b"<r/>"), "other.zip"),
    ]
    for case in cases:
        op.deliver(BAL, case)
    op.deliver(BAL, b"\x00\xff garbage without headers\r\n\r\n\xfe")
    data = _receive(dui, op)
    codes = {r["message_id"]: r["code"] for r in data["rejected"] if r["message_id"].startswith("<hostile-")}
    assert len(codes) == 4 and set(codes.values()) == {"906"}
    assert _receive(dui, op)["rejected"] == data["rejected"]  # all marked \Seen, nothing left behind
