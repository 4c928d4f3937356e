"""What the mock operator saw: one record per session, one per accepted message, and the log of both.

A session record is the evidence the "observed traffic" checks judge (kind `smtp-session` /
`imap-session`): every command with its reply and whether it travelled in clear, the TLS that
was negotiated or why the handshake failed, the client certificate, the transactions. It never
holds a secret: AUTH and LOGIN keep the mechanism and the user name, not what follows.

`TrafficLog` is shared by the protocol threads and the scenario thread; waits use a Condition,
never a polling sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance.engine.evidence import EvidenceRef, now_iso
from conformance.jsontext import pretty

SCHEMA = "dui-conformance/mssante-session/1"
MAX_COMMANDS = 500  # per session; the rest is counted, not kept
MAX_TRANSACTIONS = 100
MAX_ARGS = 300  # characters of a command argument kept in a record


@dataclass
class CommandRecord:
    time: str
    verb: str
    args: str
    in_clear: bool
    reply_code: int | str | None = None  # SMTP code (int) or IMAP status ("OK", "NO", "BAD")
    reply: str = ""


@dataclass
class RcptRecord:
    address: str
    params: dict[str, str] = field(default_factory=dict)
    accepted: bool = False
    reply: str = ""
    command: int = 0  # 1-based index of the RCPT command in the session's commands (0: not kept)


@dataclass
class TransactionRecord:
    mail_from: str
    mail_params: dict[str, str] = field(default_factory=dict)
    mail_accepted: bool = False
    mail_reply: str = ""
    rcpts: list[RcptRecord] = field(default_factory=list)
    data_size: int | None = None  # bytes received, when the message was accepted
    data_reply: str = ""
    data_refused_size: bool = False  # DATA went past the SIZE limit (552)
    message_sha256: str | None = None
    command: int = 0  # 1-based index of the MAIL command (0: not kept)
    data_command: int = 0  # 1-based index of the DATA command (0: none)


@dataclass
class ClientCertInfo:
    subject: str
    issuer: str
    san_emails: list[str]
    chains_to_test_root: bool
    client_auth_eku: bool
    is_org_client_cert: bool
    sha256: str
    not_after: str
    problems: list[str] = field(default_factory=list)
    bal: str | None = None  # the BAL this certificate authenticates, when it is an ORG certificate of one


@dataclass
class SessionRecord:
    id: str  # "smtp-session#3": names the session in findings
    protocol: str  # smtp | imap
    variant: str
    peer: str
    started: str
    size_limit: int
    whitelist: list[str] = field(default_factory=list)
    ended: str | None = None
    end_reason: str = ""
    starttls_offered: bool = False
    starttls_used: bool = False
    tls_version: str | None = None
    cipher: str | None = None
    client_cert: ClientCertInfo | None = None
    tls_error: str | None = None
    commands: list[CommandRecord] = field(default_factory=list)
    commands_dropped: int = 0
    auth: dict[str, str] | None = None  # {"mechanism", "identity"}
    transactions: list[TransactionRecord] = field(default_factory=list)
    # not serialised: where the record went in the journal, and when it started among the operator's events
    evidence: EvidenceRef | None = field(default=None, repr=False, compare=False)
    seq: int = field(default=0, repr=False, compare=False)

    @property
    def tls_established(self) -> bool:
        return self.tls_version is not None

    def command(self, verb: str, args: str) -> CommandRecord | None:
        """Append a command as received now; None once the record is full (the count goes on)."""
        if len(self.commands) >= MAX_COMMANDS:
            self.commands_dropped += 1
            return None
        cmd = CommandRecord(now_iso(), verb, args[:MAX_ARGS], in_clear=not self.tls_established)
        self.commands.append(cmd)
        return cmd

    def transaction(self, mail_from: str, params: dict[str, str]) -> TransactionRecord:
        txn = TransactionRecord(mail_from=mail_from[:MAX_ARGS], mail_params=params)
        if len(self.transactions) < MAX_TRANSACTIONS:
            self.transactions.append(txn)
        return txn

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("evidence", None)
        data.pop("seq", None)
        return {"schema": SCHEMA, **data}

    def to_json_bytes(self) -> bytes:
        """The exact bytes written to the journal (so the artifact hash is the evidence hash)."""
        return pretty(self.to_json())


@dataclass
class Submission:
    """A message the operator accepted (or a message put in a mailbox by the harness)."""

    seq: int
    session: str | None
    mail_from: str
    rcpts: list[str]
    mail_params: dict[str, str]
    rcpt_params: dict[str, dict[str, str]]
    data: bytes = field(repr=False)
    evidence: EvidenceRef | None = field(default=None, repr=False)
    time: str = field(default_factory=now_iso)


class TrafficLog:
    """Ended sessions and accepted messages, with blocking waits for the scenario thread.

    `mark()` numbers the operator's events (session starts, accepted messages): `sessions_since(m)`
    are the sessions that started after the mark (a straggler of an earlier action never leaks into
    the next one), `submissions_since(m)` the messages accepted after it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events = 0
        self._numbers = 0
        self._active = 0
        self.sessions: list[SessionRecord] = []
        self.submissions: list[Submission] = []

    def open_session(self) -> tuple[int, int]:
        """(number for the session id, ordering sequence): a session belongs to the marks before its start."""
        with self._cond:
            self._numbers += 1
            self._events += 1
            self._active += 1
            return self._numbers, self._events

    def session_ended(self, record: SessionRecord) -> None:
        with self._cond:
            self._active -= 1
            self.sessions.append(record)
            self._cond.notify_all()

    def next_submission_seq(self) -> int:
        with self._cond:
            self._events += 1
            return self._events

    def add_submission(self, sub: Submission) -> None:
        with self._cond:
            self.submissions.append(sub)
            self._cond.notify_all()

    @property
    def active(self) -> int:
        with self._cond:
            return self._active

    def mark(self) -> int:
        with self._cond:
            return self._events

    def sessions_since(self, mark: int) -> list[SessionRecord]:
        with self._cond:
            return [s for s in self.sessions if s.seq > mark]

    def submissions_since(self, mark: int) -> list[Submission]:
        with self._cond:
            return [s for s in self.submissions if s.seq > mark]

    def wait_for_session(
        self, predicate: Callable[[SessionRecord], bool], timeout: float, since: int = 0
    ) -> SessionRecord | None:
        def found() -> SessionRecord | None:
            return next((s for s in self.sessions if s.seq > since and predicate(s)), None)

        with self._cond:
            return self._cond.wait_for(found, timeout)

    def wait_for_submission(
        self, predicate: Callable[[Submission], bool], timeout: float, since: int = 0
    ) -> Submission | None:
        def found() -> Submission | None:
            return next((s for s in self.submissions if s.seq > since and predicate(s)), None)

        with self._cond:
            return self._cond.wait_for(found, timeout)

    def wait_idle(self, timeout: float) -> bool:
        """True when no session is open (every connection the DUI made has ended and been recorded)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._active == 0, timeout)
