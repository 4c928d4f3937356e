"""The mock operator under attack: floods, stalled handshakes and idle sockets never lock a client out.

Everything runs on loopback; a second loopback address (127.0.0.2) plays the attacker so that the
per-address share can be seen. Each test bounds itself: small budgets, sub-second timeouts.
"""

from __future__ import annotations

import contextlib
import imaplib
import json
import logging
import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import OBSERVED, EvidenceJournal, read_journal
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.mssante.service import Operator
from conformance.socles.mssante.service.budget import SessionBudget
from conformance.socles.mssante.service.clients import fetch_inbox, submit, test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

from .helpers import read_line

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
ATTACKER = "127.0.0.2"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.load_or_create(pki_cache_dir())


def _operator(pki: TestPKI, root: Path, **kw: object) -> Operator:
    limits: dict[str, object] = {
        "max_sessions": 8,
        "idle_timeout": 5.0,
        "handshake_timeout": 0.5,
        "evict_after": 0.2,
        **kw,
    }
    return Operator(EvidenceJournal(root), pki, whitelist=identities.whitelist(), **limits)  # type: ignore[arg-type]


@pytest.fixture
def op(pki: TestPKI, tmp_path: Path) -> Iterator[Operator]:
    with _operator(pki, tmp_path) as operator:
        yield operator
    operator.journal.close()


def _connect(op: Operator, port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection((op.host, port), timeout=5, source_address=(source, 0))


def _stalled(op: Operator, port: int, starttls: bytes, source: str) -> socket.socket:
    """A client that asks for STARTTLS and never sends its ClientHello."""
    s = _connect(op, port, source)
    with contextlib.suppress(OSError):  # past its address's share, the attacker is refused and cut off
        read_line(s)
        s.sendall(starttls)
        read_line(s)
    return s


def _stalled_smtp(op: Operator, source: str) -> socket.socket:
    return _stalled(op, op.smtp_port, b"STARTTLS\r\n", source)


def _stalled_imap(op: Operator, source: str) -> socket.socket:
    return _stalled(op, op.imap_port, b"a STARTTLS\r\n", source)


def _served(op: Operator, pki: TestPKI, subject: str) -> None:
    """A legitimate DUI sends a message and reads its mailbox."""
    mark = op.mark()
    data = test_message(BAL, [DOCTOR], subject=subject)
    assert submit(op.host, op.smtp_port, pki, BAL, [DOCTOR], data, timeout=5) == {}
    assert op.wait_for_submission(lambda s: s.data == data, timeout=5, since=mark) is not None
    fetch_inbox(op.host, op.imap_port, pki, timeout=5)


@pytest.mark.requirements("MSS-TLS-01", "MSS-TLS-02")
def test_stalled_handshake_flood(op: Operator, pki: TestPKI, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 13's outage: stalled STARTTLS handshakes from one peer once held every slot until restart."""
    caplog.set_level(logging.ERROR)
    flood = [_stalled_smtp(op, ATTACKER) for _ in range(12)] + [_stalled_imap(op, ATTACKER) for _ in range(12)]
    try:
        _served(op, pki, "during the flood")  # the attacker holds at most its share, stalls expire in 0.5 s
        assert max(op._smtp.budget.by_peer().get(ATTACKER, 0), op._imap.budget.by_peer().get(ATTACKER, 0)) <= 6
        time.sleep(1.0)  # every stalled handshake has now timed out
        _served(op, pki, "while the sockets stay open")
    finally:
        for s in flood:
            s.close()
    assert op.wait_idle(timeout=5), "a stalled session was never released"
    assert op._smtp.budget.active == 0 and op._imap.budget.active == 0
    _served(op, pki, "after the flood")
    stalled = [s for s in op.sessions if s.peer.startswith(ATTACKER) and s.starttls_used]
    assert stalled and all(s.tls_error and not s.tls_established for s in stalled)
    assert any("within 0.5 s" in (s.tls_error or "") for s in stalled)
    assert not [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]


def test_handshake_cancelled_by_the_client_releases_the_session(pki: TestPKI, tmp_path: Path) -> None:
    """A client that starts the handshake and hangs up: released at once, not after a timeout."""
    with _operator(pki, tmp_path, handshake_timeout=30.0, idle_timeout=30.0) as op:
        for stalled in (_stalled_smtp, _stalled_imap):
            s = stalled(op, "127.0.0.1")
            s.sendall(b"\x16\x03\x01\x00\xff\x01\x00")  # the first bytes of a ClientHello, then nothing
            s.close()
        assert op.wait_idle(timeout=4)
        assert op._smtp.budget.active == 0 and op._imap.budget.active == 0
        assert {s.end_reason for s in op.sessions} == {"tls-failure"}
    op.journal.close()


def test_idle_sockets_give_way_to_a_new_client(op: Operator, pki: TestPKI) -> None:
    """Idle connections from the DUI's own address fill the budget: the oldest give way, no lock-out."""
    idle = []
    for port in (op.smtp_port, op.imap_port):
        for _ in range(op.max_sessions):
            idle.append(_connect(op, port))
            assert read_line(idle[-1])  # greeted, or refused while the others are younger than evict_after
    try:
        time.sleep(0.3)  # now every idle session had its evict_after to authenticate
        _served(op, pki, "after idle sockets")
    finally:
        for s in idle:
            s.close()
    assert op.wait_idle(timeout=5)
    evicted = [s for s in op.sessions if s.end_reason.startswith("evicted")]
    assert {s.protocol for s in evicted} == {"smtp", "imap"}


def _authenticated_smtp(op: Operator, pki: TestPKI) -> smtplib.SMTP:
    smtp = smtplib.SMTP(op.host, op.smtp_port, timeout=5)
    smtp.starttls(context=client_ssl_context(pki))
    smtp.ehlo()
    return smtp


def test_authenticated_sessions_are_never_evicted(op: Operator, pki: TestPKI) -> None:
    """When every slot of an address is an authenticated session, the newcomer is refused (421), cleanly;
    the other protocol's budget is untouched."""
    held = [_authenticated_smtp(op, pki) for _ in range(op.max_per_peer)]
    try:
        with _connect(op, op.smtp_port) as extra:
            assert read_line(extra).startswith(b"421 4.7.0 ")
        for smtp in held:
            assert smtp.noop()[0] == 250  # nobody was evicted
        fetch_inbox(op.host, op.imap_port, pki, timeout=5)  # IMAP has its own budget
    finally:
        for smtp in held:
            smtp.quit()
    assert op.wait_idle(timeout=5)
    assert any(s.end_reason == "refused: too many sessions from your address" for s in op.sessions)
    _served(op, pki, "after the refusal")


def test_imap_newcomer_refused_with_bye(op: Operator, pki: TestPKI) -> None:
    held = []
    for _ in range(op.max_per_peer):
        imap = imaplib.IMAP4(op.host, op.imap_port, timeout=5)
        imap.starttls(client_ssl_context(pki))
        imap.authenticate("EXTERNAL", lambda _c: b"")
        held.append(imap)
    try:
        with _connect(op, op.imap_port) as extra:
            assert read_line(extra).startswith(b"* BYE [UNAVAILABLE] too many sessions from your address")
    finally:
        for imap in held:
            imap.logout()
    assert op.wait_idle(timeout=5)


def test_connection_flood_is_journaled_in_aggregate(op: Operator, pki: TestPKI) -> None:
    before = len(read_journal(op.journal.root))
    for _ in range(200):
        _connect(op, op.smtp_port, ATTACKER).close()
    deadline = time.monotonic() + 10
    while len([s for s in op.sessions if s.peer.startswith(ATTACKER)]) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)  # the last connections may still wait in the listen backlog
    assert op.wait_idle(timeout=10)
    op.bursts.flush()
    added = read_journal(op.journal.root)[before:]
    assert [e["kind"] for e in added] == ["connection-burst"] * len(added) and len(added) <= 3
    assert {e["role"] for e in added} == {OBSERVED}  # the harness's account of the DUI's sessions, not DUI bytes
    counted = [json.loads((op.journal.root / e["path"]).read_bytes()) for e in added]
    assert sum(c["count"] for c in counted) == 200
    assert all(set(c["by_peer"]) == {ATTACKER} for c in counted)
    assert len([s for s in op.sessions if s.peer.startswith(ATTACKER)]) == 200  # still visible to scenarios
    _served(op, pki, "after the connect flood")  # a real session gets its own record again
    assert read_journal(op.journal.root)[-1]["kind"] in ("imap-session", "smtp-session")


def test_budget_evicts_the_biggest_unauthenticated_holder() -> None:
    young = SessionBudget(1, evict_after=60)
    assert young.admit("a", lambda: None).slot is not None
    assert young.admit("b", lambda: None).refusal == "too many sessions"  # nobody old enough to give way
    budget = SessionBudget(4, max_per_peer=3, evict_after=0)
    evicted: list[str] = []
    slots = [budget.admit("a", lambda n=n: evicted.append(f"a{n}")).slot for n in range(3)]
    b = budget.admit("b", lambda: evicted.append("b")).slot
    budget.authenticated(b)
    assert budget.admit("c", lambda: evicted.append("c")).slot is not None and evicted == ["a0"]
    assert budget.admit("a", lambda: None).slot is not None and evicted == ["a0", "a1"]  # a's own share
    budget.release(slots[2])
    budget.release(slots[2])  # idempotent
    assert budget.active == 3 and budget.by_peer() == {"b": 1, "c": 1, "a": 1}
