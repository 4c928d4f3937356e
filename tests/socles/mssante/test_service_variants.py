"""Every misbehaviour of the operator, seen from a strict client (refuses) and a lax one (checks fail)."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from collections.abc import Iterator

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.model import CheckContext, Verdict
from conformance.socles.mssante.service import Operator, SessionRecord
from conformance.socles.mssante.service.clients import fetch_inbox, submit, test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import run_checks

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
TLS_VARIANTS = {  # variant: (requirement, TLS error the server records for a strict client)
    "rogue-ca": ("MSS-TLS-05", "unknown ca"),
    "expired": ("MSS-TLS-06", "certificate expired"),
    "revoked": ("MSS-TLS-07", "certificate revoked"),
    "tls-legacy": ("MSS-TLS-03", "unsupported protocol"),
    "weak-cipher": ("MSS-TLS-04", "no shared cipher"),
}
VARIANTS = [pytest.param(v, marks=pytest.mark.requirements(rid), id=v) for v, (rid, _e) in TLS_VARIANTS.items()]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")


@pytest.fixture(scope="module")
def op(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    journal = EvidenceJournal(tmp_path_factory.mktemp("evidence"))
    with Operator(journal, pki, whitelist=identities.whitelist()) as operator:
        yield operator
    journal.close()


@pytest.fixture
def variant_of(op: Operator) -> Iterator[None]:
    yield
    op.variant = "good"


def _only(op: Operator, mark: int, protocol: str) -> SessionRecord:
    assert op.wait_idle(timeout=10)
    [record] = [s for s in op.sessions_since(mark) if s.protocol == protocol]
    return record


def _verdict(record: SessionRecord, rid: str) -> Verdict:
    ctx = CheckContext(extra={"variant": record.variant})
    found = run_checks(f"{record.protocol}-session", record.to_json_bytes(), ctx, name=record.id)
    verdicts = [f.verdict for f in found if f.requirement == rid]
    assert verdicts, f"no finding for {rid}"
    return max(verdicts, key=lambda v: v.rank)


def _smtp(op: Operator, pki: TestPKI, strict: bool) -> bool:
    try:
        submit(op.host, op.smtp_port, pki, BAL, [DOCTOR], test_message(BAL, [DOCTOR]), strict=strict)
    except (smtplib.SMTPException, ssl.SSLError, OSError):
        return False
    return True


def _imap(op: Operator, pki: TestPKI, strict: bool) -> bool:
    try:
        fetch_inbox(op.host, op.imap_port, pki, strict=strict)
    except (imaplib.IMAP4.error, ssl.SSLError, OSError):
        return False
    return True


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("protocol", ["smtp", "imap"])
def test_strict_client_refuses(op: Operator, pki: TestPKI, variant_of: None, variant: str, protocol: str) -> None:
    rid, error = TLS_VARIANTS[variant]
    op.variant = variant
    mark = op.mark()
    assert not (_smtp if protocol == "smtp" else _imap)(op, pki, strict=True)
    record = _only(op, mark, protocol)
    assert record.variant == variant and record.tls_version is None
    assert record.tls_error and error in record.tls_error.lower()
    assert record.end_reason == "tls-failure"
    assert _verdict(record, rid) is Verdict.PASS
    assert not op.submissions_since(mark)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("protocol", ["smtp", "imap"])
def test_lax_client_is_caught(op: Operator, pki: TestPKI, variant_of: None, variant: str, protocol: str) -> None:
    rid, _error = TLS_VARIANTS[variant]
    op.variant = variant
    mark = op.mark()
    assert (_smtp if protocol == "smtp" else _imap)(op, pki, strict=False)
    record = _only(op, mark, protocol)
    assert record.tls_error is None and record.tls_version is not None
    assert _verdict(record, rid) is Verdict.FAIL
    if variant == "tls-legacy":
        assert record.tls_version in ("TLSv1", "TLSv1.1")
    if variant == "weak-cipher":
        assert record.cipher == "AES128-SHA"


@pytest.mark.requirements("MSS-TLS-01", "MSS-TLS-02")
@pytest.mark.parametrize("protocol", ["smtp", "imap"])
def test_no_starttls(op: Operator, pki: TestPKI, variant_of: None, protocol: str) -> None:
    op.variant = "no-starttls"
    rid = "MSS-TLS-01" if protocol == "smtp" else "MSS-TLS-02"
    send = _smtp if protocol == "smtp" else _imap
    mark = op.mark()
    assert not send(op, pki, strict=True)
    strict = _only(op, mark, protocol)
    assert not strict.starttls_offered and _verdict(strict, rid) is Verdict.PASS
    mark = op.mark()
    if protocol == "smtp":
        assert not send(op, pki, strict=False)  # sends MAIL in clear: the operator answers 530
    else:
        imap = imaplib.IMAP4(op.host, op.imap_port, timeout=10)
        with pytest.raises(imaplib.IMAP4.error):
            imap.login(BAL, "password")
        imap.logout()
    lax = _only(op, mark, protocol)
    assert _verdict(lax, rid) is Verdict.FAIL
    assert any(c.in_clear and c.verb in ("MAIL", "LOGIN") for c in lax.commands)


@pytest.mark.requirements("MSS-CONF-02")
@pytest.mark.parametrize("protocol", ["smtp", "imap"])
def test_down(op: Operator, pki: TestPKI, variant_of: None, protocol: str) -> None:
    op.variant = "down"
    mark = op.mark()
    assert not (_smtp if protocol == "smtp" else _imap)(op, pki, strict=True)
    record = _only(op, mark, protocol)
    assert record.end_reason == "refused: operator down" and not record.commands
    assert _verdict(record, "MSS-AUTH-04") is Verdict.NOT_APPLICABLE
    op.variant = "good"
    assert (_smtp if protocol == "smtp" else _imap)(op, pki, strict=True)


def test_variant_applies_to_new_connections(op: Operator, pki: TestPKI, variant_of: None) -> None:
    smtp = smtplib.SMTP(op.host, op.smtp_port, timeout=10)  # accepted while "good"
    op.variant = "rogue-ca"
    smtp.starttls(context=client_ssl_context(pki))  # still the good certificate
    smtp.quit()
    assert not _smtp(op, pki, strict=True)
