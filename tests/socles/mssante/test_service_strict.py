"""The mock operator is as strict as a standard MTA and an MSSanté operator (what swaks, msmtp and curl saw).

Sender bound to the authenticated BAL, unknown recipients refused, an RFC 3463 enhanced code on
every reply once ENHANCEDSTATUSCODES is advertised, a clean 501 for an address that cannot be
parsed, mailbox attributes (not message flags) in IMAP LIST.
"""

from __future__ import annotations

import imaplib
import json
import logging
import re
import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.mssante.service import Operator
from conformance.socles.mssante.service.replies import with_enhanced_code
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import assert_pass, fails, run_checks

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
OTHER_BAL = "secretariat@ehpad-essai.mssante.fr"  # same domain, not the certificate's BAL
ENHANCED = re.compile(rb"^[245]\.\d{1,3}\.\d{1,3} ")


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    pki = TestPKI.load_or_create(pki_cache_dir())
    journal = EvidenceJournal(Path(tmp_path_factory.mktemp("strict")))
    with Operator(journal, pki, whitelist=identities.whitelist(), directory=[BAL, DOCTOR, OTHER_BAL]) as operator:
        yield operator
    journal.close()


@pytest.fixture
def smtp(op: Operator) -> Iterator[smtplib.SMTP]:
    client = smtplib.SMTP(op.host, op.smtp_port, timeout=10)
    client.starttls(context=client_ssl_context(op.pki))
    client.ehlo()
    yield client
    client.close()


@pytest.mark.requirements("MSS-AUTH-04")
def test_sender_must_be_the_authenticated_bal(op: Operator, smtp: smtplib.SMTP) -> None:
    code, reply = smtp.mail(OTHER_BAL)
    assert (code, reply[:6]) == (553, b"5.7.1 ") and b"not owned by the authenticated BAL" in reply
    assert smtp.mail(BAL.upper())[0] == 250  # addresses compare without case
    smtp.quit()
    assert op.wait_idle(timeout=5)
    [record] = [r for r in op.sessions if any(t.mail_from == OTHER_BAL for t in r.transactions)]
    [finding] = fails(run_checks("smtp-session", record.to_json_bytes()), "MSS-AUTH-04")
    assert OTHER_BAL in finding.message_en and "(MAIL FROM)" in finding.location
    clean = json.loads(record.to_json_bytes())
    clean["transactions"] = clean["transactions"][1:]
    assert_pass(run_checks("smtp-session", json.dumps(clean).encode()), "MSS-AUTH-04")


def test_unknown_recipient_is_refused(op: Operator, smtp: smtplib.SMTP) -> None:
    smtp.mail(BAL)
    code, reply = smtp.rcpt("nobody@test-ci-sis.mssante.fr")
    assert (code, reply[:6]) == (550, b"5.1.1 ")
    assert smtp.rcpt(DOCTOR)[0] == 250
    assert smtp.rcpt(identities.outside_address())[:2][0] == 550  # outside the liste blanche: 5.7.1


def test_unparseable_address_is_a_501_not_an_internal_error(
    op: Operator, smtp: smtplib.SMTP, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    smtp.mail(BAL)
    for arg in ("TO:<", "TO:<<>", "TO:<@>", 'TO:<"'):
        code, reply = smtp.docmd("RCPT", arg)
        assert code == 501 and ENHANCED.match(reply), (arg, code, reply)
    smtp.rset()
    code, reply = smtp.docmd("MAIL", "FROM:<")
    assert (code, reply) == (501, b"5.1.3 Bad sender address syntax")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


def test_every_reply_has_an_enhanced_code(op: Operator, smtp: smtplib.SMTP) -> None:
    commands = [
        ("NOOP", ""),
        ("HELP", ""),
        ("VRFY", DOCTOR),
        ("EXPN", "list"),
        ("RSET", ""),
        ("DATA", ""),  # bad sequence
        ("RCPT", f"TO:<{DOCTOR}>"),  # bad sequence
        ("MAIL", f"FROM:<{BAL}> BODY=WRONG"),
        ("FOO", ""),
        ("AUTH", "PLAIN"),
        ("STARTTLS", ""),  # already in TLS: refused, no second TLS layer
        ("MAIL", f"FROM:<{BAL}>"),
        ("RCPT", f"TO:<{DOCTOR}>"),
        ("RSET", ""),
        ("QUIT", ""),
    ]
    for verb, arg in commands:
        code, reply = smtp.docmd(verb, arg)
        if code // 100 in (2, 4, 5):
            assert ENHANCED.match(reply), (verb, code, reply)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("250 OK", "250 2.0.0 OK"),
        ("250-SIZE 1000", "250-2.0.0 SIZE 1000"),
        ("501 Syntax: RCPT TO: <address>", "501 5.5.4 Syntax: RCPT TO: <address>"),
        ("553 5.7.1 <x>: refused", "553 5.7.1 <x>: refused"),
        ("354 End data with <CR><LF>.<CR><LF>", "354 End data with <CR><LF>.<CR><LF>"),
        ("599 odd", "599 5.0.0 odd"),
    ],
)
def test_enhanced_code_added_when_missing(line: str, expected: str) -> None:
    assert with_enhanced_code(line) == expected


def test_imap_list_answers_mailbox_attributes(op: Operator) -> None:
    imap = imaplib.IMAP4(op.host, op.imap_port, timeout=10)
    try:
        imap.starttls(client_ssl_context(op.pki))
        imap.authenticate("EXTERNAL", lambda _c: b"")
        typ, data = imap.list()
        assert typ == "OK" and data == [b'(\\HasNoChildren) "/" "INBOX"'] or data == [b'(\\HasNoChildren) "/" INBOX']
        _typ, flags = imap.select("INBOX")
        assert imap.untagged_responses.get("FLAGS")  # SELECT still lists the message flags
    finally:
        imap.logout()
