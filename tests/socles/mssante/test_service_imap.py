"""IMAP of the mock operator, driven by Python's imaplib over real TLS (STARTTLS, SASL EXTERNAL)."""

from __future__ import annotations

import imaplib
import socket
from collections.abc import Iterator

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal, read_journal
from conformance.formats.pki import TestPKI
from conformance.model import Verdict
from conformance.socles.mssante.service import Operator, SessionRecord
from conformance.socles.mssante.service.clients import fetch_inbox, test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import run_checks

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")


@pytest.fixture(scope="module")
def op(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    journal = EvidenceJournal(tmp_path_factory.mktemp("evidence"))
    with Operator(journal, pki, whitelist=identities.whitelist(), size_limit=64 * 1024) as operator:
        yield operator
    journal.close()


@pytest.fixture
def inbox(op: Operator) -> Iterator[list[bytes]]:
    """Two messages in the BAL's INBOX; the INBOX is emptied afterwards."""
    messages = [test_message(DOCTOR, [BAL], subject=f"entrant {i}") for i in range(2)]
    for m in messages:
        op.deliver(BAL, m)
    yield messages
    box = op.mailbox(BAL)
    for m in box.snapshot():
        m.flags.add("\\Deleted")
    box.expunge()


def _sessions(op: Operator, mark: int) -> list[SessionRecord]:
    assert op.wait_idle(timeout=10)
    return [s for s in op.sessions_since(mark) if s.protocol == "imap"]


def _verdicts(record: SessionRecord) -> dict[str, list[Verdict]]:
    out: dict[str, list[Verdict]] = {}
    for f in run_checks("imap-session", record.to_json_bytes(), name=record.id):
        out.setdefault(f.requirement, []).append(f.verdict)
    return out


def _connect(op: Operator, pki: TestPKI) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(op.host, op.imap_port, timeout=10)
    imap.starttls(client_ssl_context(pki))
    return imap


@pytest.mark.requirements("MSS-TLS-02", "MSS-AUTH-04")
def test_read_mailbox(op: Operator, pki: TestPKI, inbox: list[bytes]) -> None:
    mark = op.mark()
    assert fetch_inbox(op.host, op.imap_port, pki) == inbox  # byte for byte what was delivered
    assert all("\\Seen" in m.flags for m in op.mailbox(BAL).snapshot())  # RFC822 fetch sets \Seen
    [rec] = _sessions(op, mark)
    assert rec.auth == {"mechanism": "EXTERNAL", "identity": BAL}
    assert rec.starttls_offered and rec.starttls_used and rec.tls_version in ("TLSv1.2", "TLSv1.3")
    verbs = [c.verb for c in rec.commands]
    assert verbs[:4] == ["CAPABILITY", "STARTTLS", "CAPABILITY", "AUTHENTICATE"] and verbs[-1] == "LOGOUT"
    assert [c.in_clear for c in rec.commands][:3] == [True, True, False]
    assert all(c.reply_code == "OK" for c in rec.commands)
    assert rec.end_reason == "logout"
    verdicts = _verdicts(rec)
    assert verdicts["MSS-TLS-02"] == [Verdict.PASS] and verdicts["MSS-AUTH-04"] == [Verdict.PASS]
    kinds = [e["kind"] for e in read_journal(op.journal.root)]
    assert "incoming" in kinds and "imap-session" in kinds


def test_search_store_expunge(op: Operator, pki: TestPKI, inbox: list[bytes]) -> None:
    imap = _connect(op, pki)
    try:
        assert imap.authenticate("EXTERNAL", lambda _: b"")[0] == "OK"
        assert imap.select("INBOX") == ("OK", [b"2"])
        assert imap.search(None, "UNSEEN")[1] == [b"1 2"]
        _typ, data = imap.fetch("1", "(BODY.PEEK[] UID FLAGS)")
        assert isinstance(data[0], tuple) and data[0][1] == inbox[0]
        assert imap.search(None, "UNSEEN")[1] == [b"1 2"]  # PEEK leaves \Seen alone
        assert imap.store("1", "+FLAGS", "(\\Seen)")[0] == "OK"
        assert imap.search(None, "UNSEEN")[1] == [b"2"]
        _typ, header = imap.fetch("2", "(BODY[HEADER.FIELDS (SUBJECT)])")
        assert isinstance(header[0], tuple) and b"entrant 1" in header[0][1]
        assert imap.store("1", "+FLAGS", "(\\Deleted)")[0] == "OK"
        assert imap.expunge() == ("OK", [b"1"])
        assert len(op.mailbox(BAL).snapshot()) == 1
        assert imap.status("INBOX", "(MESSAGES UNSEEN)")[0] == "OK"
    finally:
        imap.logout()


@pytest.mark.requirements("MSS-TLS-02")
def test_login_in_clear_refused_and_recorded(op: Operator) -> None:
    mark = op.mark()
    imap = imaplib.IMAP4(op.host, op.imap_port, timeout=10)
    assert "LOGINDISABLED" in imap.capabilities and "STARTTLS" in imap.capabilities
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        imap.login(BAL, "secret-password")
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        imap.authenticate("EXTERNAL", lambda _: b"")
    imap.logout()
    [rec] = _sessions(op, mark)
    login = next(c for c in rec.commands if c.verb == "LOGIN")
    assert login.in_clear and login.reply_code == "NO" and login.args == BAL  # the password is not kept
    assert "secret-password" not in rec.to_json_bytes().decode()
    found = run_checks("imap-session", rec.to_json_bytes(), name=rec.id)
    fails = [f for f in found if f.verdict is Verdict.FAIL]
    assert [f.requirement for f in fails] == ["MSS-TLS-02", "MSS-TLS-02"]
    assert fails[0].location == f"{rec.id} command 2 (LOGIN)"


def test_certificate_bound_login(op: Operator, pki: TestPKI) -> None:
    imap = _connect(op, pki)
    with pytest.raises(imaplib.IMAP4.error):
        imap.login("someone-else@ehpad-essai.mssante.fr", "x")
    assert imap.login(BAL, "ignored")[0] == "OK"
    imap.logout()
    anonymous = imaplib.IMAP4(op.host, op.imap_port, timeout=10)
    anonymous.starttls(client_ssl_context(pki, client_cert=False))
    with pytest.raises(imaplib.IMAP4.error):
        anonymous.authenticate("EXTERNAL", lambda _: b"")
    anonymous.logout()


def test_uid_commands_recorded_once(op: Operator, pki: TestPKI, inbox: list[bytes]) -> None:
    mark = op.mark()
    imap = _connect(op, pki)
    try:
        imap.authenticate("EXTERNAL", lambda _: b"")
        imap.select("INBOX")
        imap.uid("FETCH", "1:*", "(FLAGS)")
    finally:
        imap.logout()
    [rec] = _sessions(op, mark)
    assert [c.args for c in rec.commands if c.verb == "UID"] == ["FETCH 1:* (FLAGS)"]
    assert "FETCH" not in [c.verb for c in rec.commands]


def test_oversize_append_refused(op: Operator, pki: TestPKI, inbox: list[bytes]) -> None:
    imap = _connect(op, pki)
    try:
        imap.authenticate("EXTERNAL", lambda _: b"")
        small = test_message(BAL, [BAL], subject="brouillon")
        assert imap.append("INBOX", "", "", small)[0] == "OK"
        with pytest.raises(imaplib.IMAP4.error):
            imap.append("INBOX", "", "", b"x" * (op.size_limit + 1))
    finally:
        imap.logout()
    assert small in [m.raw for m in op.mailbox(BAL).snapshot()]


def test_garbage_does_not_hurt(op: Operator, pki: TestPKI, inbox: list[bytes]) -> None:
    mark = op.mark()
    with socket.create_connection((op.host, op.imap_port), timeout=10) as raw:
        raw.recv(1024)
        raw.sendall(b"\x00\xff garbage\r\n" + b"a" * 20000 + b"\r\n")
        raw.recv(1024)
    with socket.create_connection((op.host, op.imap_port), timeout=10) as raw:
        raw.recv(1024)
        raw.sendall(b"t1 STARTTLS\r\n")
        raw.recv(1024)
        raw.sendall(b"\x16\x03\x01 not a client hello" * 20)  # then hang up mid-handshake
    recs = _sessions(op, mark)
    assert len(recs) == 2 and recs[1].tls_error and recs[1].tls_version is None
    assert fetch_inbox(op.host, op.imap_port, pki) == inbox
