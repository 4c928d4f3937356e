"""SMTP submission of the mock operator, driven by Python's smtplib over real TLS."""

from __future__ import annotations

import email
import json
import smtplib
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal, read_journal
from conformance.formats.pki import TestPKI
from conformance.model import CheckContext, Verdict
from conformance.socles.mssante.service import Operator, SessionRecord
from conformance.socles.mssante.service.clients import submit, test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import run_checks

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")


@pytest.fixture(scope="module")
def op(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    journal = EvidenceJournal(tmp_path_factory.mktemp("evidence"))
    with Operator(journal, pki, whitelist=identities.whitelist(), size_limit=LIMIT) as operator:
        yield operator
    journal.close()


def _send(op: Operator, pki: TestPKI, **kw: object) -> dict[str, tuple[int, bytes]]:
    data = kw.pop("data", None) or test_message(BAL, [DOCTOR])
    rcpts = kw.pop("rcpts", None) or [DOCTOR]
    return submit(op.host, op.smtp_port, pki, BAL, rcpts, data, **kw)  # type: ignore[arg-type]


def _sessions(op: Operator, mark: int) -> list[SessionRecord]:
    assert op.wait_idle(timeout=10)
    return [s for s in op.sessions_since(mark) if s.protocol == "smtp"]


def _findings(record: SessionRecord, **extra: object) -> dict[str, Verdict]:
    ctx = CheckContext(whitelist=tuple(identities.whitelist()), extra=dict(extra))
    out: dict[str, Verdict] = {}
    for f in run_checks("smtp-session", record.to_json_bytes(), ctx, name=record.id):
        if out.get(f.requirement, Verdict.NOT_APPLICABLE).rank < f.verdict.rank or f.requirement not in out:
            out[f.requirement] = f.verdict
    return out


@pytest.mark.requirements("MSS-TLS-01", "MSS-AUTH-04")
def test_submit_with_client_certificate(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    data = test_message(BAL, [DOCTOR], subject="implicit")
    assert _send(op, pki, data=data) == {}
    sub = op.wait_for_submission(lambda s: s.data == data, timeout=10, since=mark)
    assert sub is not None and sub.mail_from == BAL and sub.rcpts == [DOCTOR]
    assert sub.evidence is not None and (op.journal.root / sub.evidence.path).read_bytes() == data
    # the delivered copy is what was sent, under the operator's Received: trace line (RFC 5321 §4.4)
    [copy] = [m.raw for m in op.mailbox(DOCTOR).snapshot() if m.raw.endswith(data)]
    trace = copy[: -len(data)].decode()
    assert trace.startswith("Received: from ") and "by mss-operator.test with ESMTPS id" in trace
    assert f"for <{DOCTOR}>;" in trace and trace.count("\r\n") == trace.count("\r\n\t") + 1
    [rec] = _sessions(op, mark)
    assert rec.tls_version in ("TLSv1.2", "TLSv1.3") and rec.starttls_offered and rec.starttls_used
    assert rec.auth == {"mechanism": "tls-client-certificate", "identity": BAL}
    assert rec.client_cert is not None and rec.client_cert.is_org_client_cert and rec.client_cert.bal == BAL
    assert [c.verb for c in rec.commands] == ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"]
    assert [c.in_clear for c in rec.commands[:3]] == [True, True, False]
    assert rec.transactions[0].message_sha256 == sub.evidence.sha256 and rec.transactions[0].command == 4
    verdicts = _findings(rec)
    assert verdicts["MSS-TLS-01"] is Verdict.PASS and verdicts["MSS-AUTH-04"] is Verdict.PASS
    assert verdicts["MSS-TLS-03"] is Verdict.PASS and verdicts["MSS-TLS-04"] is Verdict.PASS
    # the journal holds the record under its kind, byte for byte what the checks read
    assert rec.evidence is not None and rec.evidence.kind == "smtp-session"
    assert (op.journal.root / rec.evidence.path).read_bytes() == rec.to_json_bytes()
    assert json.loads(rec.to_json_bytes())["id"] == rec.id


def test_auth_external(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    assert _send(op, pki, auth_external=True) == {}
    [rec] = _sessions(op, mark)
    assert rec.auth == {"mechanism": "EXTERNAL", "identity": BAL}
    assert [c.args for c in rec.commands if c.verb == "AUTH"] == ["EXTERNAL"]
    with smtplib.SMTP(op.host, op.smtp_port, timeout=10) as smtp:  # an authzid that is not the certificate's
        smtp.starttls(context=client_ssl_context(pki))
        smtp.ehlo()
        code, _ = smtp.docmd("AUTH", "EXTERNAL b3RoZXJAZWhwYWQtZXNzYWkubXNzYW50ZS5mcg==")
        assert code == 535


@pytest.mark.requirements("MSS-AUTH-04")
def test_no_client_certificate_is_refused(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _send(op, pki, client_cert=False)
    assert refused.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPAuthenticationError):
        _send(op, pki, client_cert=False, auth_external=True)
    recs = _sessions(op, mark)
    assert all(r.client_cert is None and r.auth is None for r in recs)
    assert _findings(recs[0])["MSS-AUTH-04"] is Verdict.FAIL


@pytest.mark.requirements("MSS-TLS-01")
def test_plaintext_mail_is_refused_and_recorded(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _send(op, pki, starttls=False, strict=False)
    assert refused.value.smtp_code == 530 and b"STARTTLS" in refused.value.smtp_error
    [rec] = _sessions(op, mark)
    mail = next(c for c in rec.commands if c.verb == "MAIL")
    assert mail.in_clear and mail.reply_code == 530 and not rec.starttls_used
    found = run_checks("smtp-session", rec.to_json_bytes(), name=rec.id)
    fails = [f for f in found if f.verdict is Verdict.FAIL]
    assert [f.requirement for f in fails] == ["MSS-TLS-01"]
    assert fails[0].location == f"{rec.id} command 2 (MAIL FROM)"
    assert not op.submissions_since(mark)


@pytest.mark.requirements("MSS-NEG-01")
def test_recipient_outside_whitelist(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    outsider = identities.outside_address()
    refused = _send(op, pki, rcpts=[DOCTOR, outsider])
    assert refused[outsider][0] == 550 and b"5.7.1" in refused[outsider][1]
    [rec] = _sessions(op, mark)
    rcpts = rec.transactions[0].rcpts
    assert [(r.address, r.accepted) for r in rcpts] == [(DOCTOR, True), (outsider, False)]
    assert _findings(rec)["MSS-NEG-01"] is Verdict.FAIL
    [sub] = op.submissions_since(mark)
    assert sub.rcpts == [DOCTOR]
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(op, pki, rcpts=[outsider])


@pytest.mark.requirements("MSS-SIZE-01")
def test_oversize_refused(op: Operator, pki: TestPKI) -> None:
    big = test_message(BAL, [DOCTOR], padding=LIMIT + 1000)
    mark = op.mark()
    with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # smtplib declares SIZE=: refused at MAIL
        _send(op, pki, data=big)
    assert declared.value.smtp_code == 552
    with smtplib.SMTP(op.host, op.smtp_port, timeout=10) as smtp:  # no SIZE=: refused after DATA
        smtp.starttls(context=client_ssl_context(pki))
        smtp.ehlo()
        smtp.mail(BAL)
        smtp.rcpt(DOCTOR)
        code, _ = smtp.data(big)
        assert code == 552
    first, second = _sessions(op, mark)
    assert int(first.transactions[0].mail_params["SIZE"]) > LIMIT
    assert second.transactions[0].data_refused_size and second.transactions[0].data_command == 6
    assert _findings(first)["MSS-SIZE-01"] is Verdict.FAIL
    assert _findings(second)["MSS-SIZE-01"] is Verdict.FAIL
    assert not op.submissions_since(mark)
    mark = op.mark()
    _send(op, pki, data=test_message(BAL, [DOCTOR], padding=LIMIT // 2))
    assert _findings(_sessions(op, mark)[0])["MSS-SIZE-01"] is Verdict.PASS


def _part(msg: Message, content_type: str) -> Message:
    return next(p for p in msg.walk() if p.get_content_type() == content_type)


@pytest.mark.requirements("MSS-ACK-01")
def test_delivery_status_notification(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    data = test_message(BAL, [DOCTOR], subject="avec accuse")
    before = len(op.mailbox(BAL).snapshot())
    _send(
        op,
        pki,
        data=data,
        mail_options=["RET=HDRS", "ENVID=Env-0042"],
        rcpt_options=[f"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;{DOCTOR}"],
    )
    [rec] = _sessions(op, mark)
    txn = rec.transactions[0]
    assert txn.mail_params["ENVID"] == "Env-0042" and txn.mail_params["RET"] == "HDRS"
    assert txn.rcpts[0].params == {"NOTIFY": "SUCCESS,FAILURE", "ORCPT": f"rfc822;{DOCTOR}"}
    assert _findings(rec, delivery_receipt=True)["MSS-ACK-01"] is Verdict.PASS
    boxes = op.mailbox(BAL).snapshot()
    assert len(boxes) == before + 1
    dsn = email.message_from_bytes(boxes[-1].raw)
    assert dsn.get_content_type() == "multipart/report" and dsn.get_param("report-type") == "delivery-status"
    status = _part(dsn, "message/delivery-status").get_payload()
    assert isinstance(status, list)
    assert status[0]["Original-Envelope-Id"] == "Env-0042"
    assert status[1]["Final-Recipient"] == f"rfc822; {DOCTOR}" and status[1]["Action"] == "delivered"
    assert status[1]["Status"] == "2.0.0" and status[1]["Original-Recipient"] == f"rfc822; {DOCTOR}"
    headers = _part(dsn, "text/rfc822-headers").get_payload()
    assert "Subject: avec accuse" in str(headers) and "Bonjour" not in str(headers)
    kinds = [e["kind"] for e in read_journal(op.journal.root)]
    assert "dsn" in kinds


@pytest.mark.requirements("MSS-ACK-01")
def test_receipt_not_asked(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    before = len(op.mailbox(BAL).snapshot())
    _send(op, pki)
    assert len(op.mailbox(BAL).snapshot()) == before
    assert _findings(_sessions(op, mark)[0], delivery_receipt=True)["MSS-ACK-01"] is Verdict.FAIL


def test_malformed_dsn_parameters(op: Operator, pki: TestPKI) -> None:
    with smtplib.SMTP(op.host, op.smtp_port, timeout=10) as smtp:
        smtp.starttls(context=client_ssl_context(pki))
        smtp.ehlo()
        assert smtp.mail(BAL, ["RET=EVERYTHING"])[0] == 501
        assert smtp.mail(BAL, ["RET=FULL"])[0] == 250
        assert smtp.rcpt(DOCTOR, ["NOTIFY=NEVER,SUCCESS"])[0] == 501
        assert smtp.rcpt(DOCTOR, ["NOTIFY=DELAY"])[0] == 250


def test_marks_and_waits(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    assert op.wait_for_submission(lambda s: True, timeout=0.05, since=mark) is None
    _send(op, pki)
    assert op.wait_for_session(lambda s: s.protocol == "smtp", timeout=10, since=mark) is not None
    later = op.mark()
    assert op.sessions_since(later) == [] and op.submissions_since(later) == []
    assert len(op.submissions_since(mark)) == 1 and op.sessions
    settings = op.settings()
    assert settings["smtp_port"] == op.smtp_port and Path(settings["client_cert"]).is_file()
    with pytest.raises(ValueError):
        op.variant = "bogus"
