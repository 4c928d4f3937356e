"""Hostile or broken SMTP clients do not hurt the mock operator, and every session stays bounded."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service import Operator
from conformance.socles.mssante.service.clients import submit, test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import read_line

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")


@pytest.fixture(scope="module")
def op(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    journal = EvidenceJournal(tmp_path_factory.mktemp("evidence"))
    with Operator(
        journal, pki, whitelist=identities.whitelist(), size_limit=32 * 1024, idle_timeout=0.5, max_sessions=4
    ) as operator:
        yield operator
    journal.close()


def _still_serves(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    data = test_message(BAL, [DOCTOR], subject="after the storm")
    assert submit(op.host, op.smtp_port, pki, BAL, [DOCTOR], data) == {}
    assert op.wait_for_submission(lambda s: s.data == data, timeout=10, since=mark) is not None


def test_garbage_and_long_lines(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    with socket.create_connection((op.host, op.smtp_port), timeout=10) as raw:
        assert read_line(raw).startswith(b"220")
        raw.sendall(b"\x00\x01\xfe\xff\r\n")
        assert read_line(raw)[:1] == b"5"
        raw.sendall(b"EHLO " + b"x" * 5000 + b"\r\n")
        assert read_line(raw).startswith(b"500")
        raw.sendall(b"MAIL FROM:<" + b"a" * 900 + b"@x>\r\n")
        assert read_line(raw)[:1] == b"5"
    assert op.wait_idle(timeout=10)
    [record] = op.sessions_since(mark)
    assert record.commands and all(c.reply_code and int(c.reply_code) >= 500 for c in record.commands)
    _still_serves(op, pki)


def test_disconnect_mid_data(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    smtp = smtplib.SMTP(op.host, op.smtp_port, timeout=10)
    smtp.starttls(context=client_ssl_context(pki))
    smtp.ehlo()
    smtp.mail(BAL)
    smtp.rcpt(DOCTOR)
    smtp.putcmd("DATA")
    assert smtp.getreply()[0] == 354
    smtp.send(b"Subject: cut\r\n\r\nhalf a message")
    smtp.close()  # hang up without the final dot
    assert op.wait_idle(timeout=10)
    [record] = op.sessions_since(mark)
    assert record.commands[-1].verb == "DATA" and record.transactions[0].data_size is None
    assert not op.submissions_since(mark)
    _still_serves(op, pki)


def test_idle_client_is_dropped(op: Operator, pki: TestPKI) -> None:
    mark = op.mark()
    with socket.create_connection((op.host, op.smtp_port), timeout=10) as raw:
        read_line(raw)
        record = op.wait_for_session(lambda s: True, timeout=10, since=mark)  # ends after idle_timeout
        assert record is not None and record.end_reason == "closed"
        assert raw.recv(1024) == b""


def test_idle_imap_client_is_dropped(op: Operator) -> None:
    mark = op.mark()
    with socket.create_connection((op.host, op.imap_port), timeout=10) as raw:
        assert raw.recv(1024).startswith(b"* OK")
        record = op.wait_for_session(lambda s: s.protocol == "imap", timeout=10, since=mark)
        assert record is not None
        assert b"BYE" in raw.recv(1024)
