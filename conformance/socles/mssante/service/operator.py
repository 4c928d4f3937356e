"""The mock MSSanté operator: SMTP submission + IMAP on loopback, real TLS, every exchange recorded.

A scenario sets `variant` (what the operator does wrong, if anything: see `tlsconf.VARIANTS`),
takes a `mark()`, asks the DUI to act, then looks at `sessions_since(mark)` and
`submissions_since(mark)`. The variant applies to connections accepted after it is set.

Threads: SMTP runs on its own asyncio loop thread, IMAP in the process-wide Twisted reactor
thread; records, mailboxes and the journal are shared under locks, and the waits of the scenario
thread block on a Condition.

Limits: SMTP and IMAP each serve at most `max_sessions` sessions, `max_per_peer` of them from one
client address, evicting for newcomers the sessions still unauthenticated after `evict_after` seconds
(budget.py); a TLS handshake has `handshake_timeout` seconds. Sessions that carried no command at
all are journaled by burst (bursts.py), the others one record each.

The directory: the addresses that exist on this operator (the test identities' BALs, every test
usager's Mon espace santé address, and any mailbox the harness delivered to); a recipient outside it
is refused like an unknown user.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any

import conformance.socles.mssante.service.tlsconf as tlsconf
from conformance import identities
from conformance.engine.evidence import HARNESS, OBSERVED, EvidenceJournal, EvidenceRef, now_iso
from conformance.formats import tls
from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service.budget import SessionBudget
from conformance.socles.mssante.service.bursts import BurstJournal, is_silent
from conformance.socles.mssante.service.clientcert import describe_client_cert
from conformance.socles.mssante.service.dsn import delivery_report, notify_values
from conformance.socles.mssante.service.imap import ImapServer
from conformance.socles.mssante.service.mailboxes import Mailbox, MailStore
from conformance.socles.mssante.service.records import ClientCertInfo, SessionRecord, Submission, TrafficLog
from conformance.socles.mssante.service.smtp import HOSTNAME, SmtpServer


def default_directory() -> set[str]:
    """The test identities' addresses: professionals, the DUI's BAL, every usager's Mon espace santé address."""
    out = {str(p["address"]) for p in identities.professionals()}
    out.add(str(identities.dui_bal()["address"]))
    out |= {f"{p['ins']}@patient.mssante.fr" for p in identities.patients()}
    return {a.lower() for a in out}


# the SIZE the mock operator announces (RFC 1870): no national figure exists, each operator sets its own (specs:
# "Maximum size", operator-dependent), so the DUI is judged on reading the announced value. 4 MiB rather than the
# common 10 MB: a DUI that hard-codes 10 MB is caught (it sends what the operator then refuses), any document the
# scenarios ask for fits many times over, and the oversize scenario's message costs the DUI 5 MB rather than 14
SIZE_LIMIT = 4 * 1024 * 1024


class Operator:
    """Whitelist: the liste blanche of MSSanté domains; bals: the BAL whose ORG certificates authenticate."""

    def __init__(
        self,
        journal: EvidenceJournal,
        pki: TestPKI,
        *,
        host: str = "127.0.0.1",
        whitelist: list[str],
        size_limit: int = SIZE_LIMIT,
        smtp_port: int = 0,
        imap_port: int = 0,
        bals: list[str] | None = None,
        idle_timeout: float = 30.0,
        max_sessions: int = 64,
        max_per_peer: int | None = None,
        evict_after: float = 1.0,
        handshake_timeout: float = tls.HANDSHAKE_TIMEOUT,
        directory: Iterable[str] | None = None,
    ) -> None:
        self.journal = journal
        self.pki = pki
        self.host = host
        self.whitelist = {d.lower() for d in whitelist}
        self.size_limit = size_limit
        self.bals = {b.lower() for b in (bals or [str(identities.dui_bal()["address"])])}
        self.max_sessions = max_sessions
        self.max_per_peer = max_per_peer or max(1, max_sessions * 3 // 4)
        self.directory = {a.lower() for a in (directory if directory is not None else default_directory())}
        self.directory |= self.bals
        self.store = MailStore()
        self.log = TrafficLog()
        self.bursts = BurstJournal(journal)
        self._variant = "good"
        self._contexts: dict[tuple[str, str], Any] = {}
        self._ctx_lock = threading.Lock()
        self._cert_cache: dict[bytes, ClientCertInfo] = {}
        limits: dict[str, Any] = {"idle_timeout": idle_timeout, "handshake_timeout": handshake_timeout}
        budget = (max_sessions, self.max_per_peer, evict_after)
        self._smtp = SmtpServer(self, host, smtp_port, budget=SessionBudget(*budget), **limits)
        self._imap = ImapServer(self, host, imap_port, budget=SessionBudget(*budget), **limits)
        self._started = False

    # -- life -----------------------------------------------------------------------------
    def start(self) -> Operator:
        if not self._started:
            self.stdlib_context("good")  # the common contexts now, the variants' on first use
            self.twisted_context("good")
            self._smtp.start()
            try:
                self._imap.start()
            except BaseException:
                self._smtp.stop()
                raise
            self._started = True
        return self

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self._imap.stop()
        self._smtp.stop()
        self.log.wait_idle(timeout=5)
        self.bursts.flush()

    def __enter__(self) -> Operator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def smtp_port(self) -> int:
        return self._smtp.port

    @property
    def imap_port(self) -> int:
        return self._imap.port

    @property
    def variant(self) -> str:
        return self._variant

    @variant.setter
    def variant(self, value: str) -> None:
        if value not in tlsconf.VARIANTS:
            raise ValueError(f"unknown operator variant {value!r} (known: {', '.join(tlsconf.VARIANTS)})")
        self._variant = value

    def settings(self) -> dict[str, Any]:
        """What a DUI must be configured with to use this operator."""
        return {
            "host": self.host,
            "smtp_port": self.smtp_port,
            "imap_port": self.imap_port,
            "size_limit": self.size_limit,
            "ca_bundle": str(self.pki.ca_bundle),
            "crl": str(self.pki.crl),
            "client_cert": str(self.pki.client_cert),
            "client_key": str(self.pki.client_key),
        }

    # -- TLS contexts, one per variant and stack, built once --------------------------------
    def _context(self, stack: str, variant: str, build: Callable[[tlsconf.TlsProfile], Any]) -> Any:
        with self._ctx_lock:
            key = (stack, variant)
            if key not in self._contexts:
                prof = tlsconf.profile(self.pki, variant)
                self._contexts[key] = build(prof) if prof is not None else None
            return self._contexts[key]

    def stdlib_context(self, variant: str) -> ssl.SSLContext | None:
        return self._context("stdlib", variant, tlsconf.stdlib_server_context)

    def twisted_context(self, variant: str) -> tlsconf.OpenSSLContextFactory | None:
        return self._context("openssl", variant, tlsconf.OpenSSLContextFactory)

    def client_cert_info(self, der: bytes) -> ClientCertInfo:
        """What a client certificate proves; cached: a DUI presents the same one on every connection."""
        info = self._cert_cache.get(der)
        if info is None:
            info = describe_client_cert(der, self.pki, self.bals)
            if len(self._cert_cache) < 256:
                self._cert_cache[der] = info
        return info

    # -- records --------------------------------------------------------------------------
    def open_session(self, protocol: str, variant: str) -> SessionRecord:
        number, seq = self.log.open_session()
        record = SessionRecord(
            id=f"{protocol}-session#{number}",
            protocol=protocol,
            variant=variant,
            peer="",
            started=now_iso(),
            size_limit=self.size_limit,
            whitelist=sorted(self.whitelist),
        )
        record.seq = seq
        return record

    def close_session(self, record: SessionRecord) -> None:
        record.ended = now_iso()
        if is_silent(record):  # a connect and a close: journaled with its burst, kept in memory
            self.bursts.add(record)
            self.log.session_ended(record)
            return
        meta = {"session": record.id, "variant": record.variant, "peer": record.peer}
        try:
            record.evidence = self.journal.record(
                f"{record.protocol}-session",
                record.id.replace("#", "-"),
                record.to_json_bytes(),
                meta=meta,
                role=OBSERVED,
            )
        except (OSError, ValueError):  # journal closed under a late connection: keep the record in memory
            record.evidence = None
        finally:
            self.log.session_ended(record)

    def accept_message(
        self,
        record: SessionRecord | None,
        mail_from: str,
        rcpts: list[str],
        mail_params: dict[str, str],
        rcpt_params: dict[str, dict[str, str]],
        data: bytes,
        trace: Callable[[int], bytes] | None = None,
    ) -> Submission:
        """Store an accepted message in each recipient's mailbox, record it, and return a DSN if asked.

        The evidence keeps the bytes the DUI sent; the delivered copies start with the `trace` line.
        """
        seq = self.log.next_submission_seq()
        session = record.id if record else None
        meta = {
            "session": session,
            "mail_from": mail_from,
            "rcpts": rcpts,
            "mail_params": mail_params,
            "rcpt_params": rcpt_params,
        }
        ref = self.journal.record("message", f"message-{seq}.eml", data, meta=meta)
        sub = Submission(seq, session, mail_from, rcpts, mail_params, rcpt_params, data, ref)
        self.hand_over(sub, trace(seq) if trace is not None else b"")
        self.log.add_submission(sub)
        return sub

    def hand_over(self, sub: Submission, trace_line: bytes = b"") -> None:
        """What the operator does with an accepted message: the recipients' mailboxes (each copy after its
        `Received:` trace line), the DSN asked for. (The sandbox relay hands nothing over: the real
        operator behind it delivers.)"""
        for rcpt in sub.rcpts:
            self.store.mailbox(rcpt).append(trace_line + sub.data)
        mail_from, ref = sub.mail_from, sub.evidence
        delivered = [(a, p) for a, p in sub.rcpt_params.items() if "SUCCESS" in notify_values(p)]
        if delivered and ref is not None and mail_from and mail_from.rpartition("@")[2].lower() in self.whitelist:
            report = delivery_report(
                reporting_mta=HOSTNAME,
                postmaster=f"postmaster@{HOSTNAME}",
                mail_from=mail_from,
                original=sub.data,
                mail_params=sub.mail_params,
                delivered=delivered,
            )
            self.store.mailbox(mail_from).append(report)
            meta = {"session": sub.session, "to": mail_from, "for_message": ref.sha256}
            self.journal.record("dsn", f"dsn-{sub.seq}.eml", report, meta=meta, role=HARNESS)

    def deliver(self, address: str, message: bytes) -> EvidenceRef:
        """Put an incoming test message in a mailbox, as if another operator had relayed it."""
        ref = self.journal.record("incoming", "incoming.eml", message, meta={"to": address}, role=HARNESS)
        self.store.mailbox(address).append(message)
        self.directory.add(address.lower())
        return ref

    def knows(self, address: str) -> bool:
        """Whether `address` is a mailbox of this operator (its directory)."""
        return address.lower() in self.directory

    def mailbox(self, address: str) -> Mailbox:
        return self.store.mailbox(address)

    # -- what scenarios look at -------------------------------------------------------------
    @property
    def sessions(self) -> list[SessionRecord]:
        return self.log.sessions_since(0)

    @property
    def submissions(self) -> list[Submission]:
        return self.log.submissions_since(0)

    def mark(self) -> int:
        return self.log.mark()

    def sessions_since(self, mark: int) -> list[SessionRecord]:
        return self.log.sessions_since(mark)

    def submissions_since(self, mark: int) -> list[Submission]:
        return self.log.submissions_since(mark)

    def wait_for_session(
        self, predicate: Callable[[SessionRecord], bool], timeout: float, since: int = 0
    ) -> SessionRecord | None:
        return self.log.wait_for_session(predicate, timeout, since)

    def wait_for_submission(
        self, predicate: Callable[[Submission], bool], timeout: float, since: int = 0
    ) -> Submission | None:
        return self.log.wait_for_submission(predicate, timeout, since)

    def wait_idle(self, timeout: float) -> bool:
        return self.log.wait_idle(timeout)
