"""The relay's own sessions with the platform's operator: smtplib and imaplib, recorded command by command.

Each session is the platform's leg of one exchange: TLS with the profile's CA and host name (STARTTLS
after EHLO or the greeting, or TLS straight away), the vendor's certificate, then authentication: the
profile's account (`user` + password: SMTP AUTH / IMAP LOGIN) or, with a certificate only, SASL
EXTERNAL when the operator offers it (an operator that authenticates by the certificate alone needs
nothing more). `UpstreamLog` keeps every command with the operator's reply, never a credential, and
the operator's certificate fingerprint; it becomes an `upstream-smtp-session` / `upstream-imap-session`
record of the evidence.

Every failure is an `UpstreamFailed` saying what the platform did (refused, closed, answered garbage).
"""

from __future__ import annotations

import imaplib
import json
import re
import smtplib
import ssl
from dataclasses import asdict, dataclass, field
from email.parser import BytesParser
from typing import Any

from conformance.engine.capture.probe import RELAY_HELO, check_pin, client_context, fingerprint
from conformance.engine.capture.profile import SandboxError, Upstream
from conformance.engine.evidence import now_iso

SCHEMA = "dui-conformance/upstream-session/1"
MAX_KEPT = 500
FLAGS_RE = re.compile(rb"FLAGS \(([^)]*)\)")


class UpstreamFailed(Exception):
    """The platform refused, closed the connection or answered something that is not its protocol."""


@dataclass
class UpstreamCommand:
    time: str
    command: str
    reply_code: str
    reply: str


@dataclass
class UpstreamLog:
    protocol: str
    endpoint: str
    for_session: str  # the DUI's session this leg relays (or "harness" for the relay's own deliveries)
    started: str = field(default_factory=now_iso)
    ended: str | None = None
    certificate_sha256: str = ""
    relay_certificate_sha256: str = ""
    tls_version: str = ""
    authenticated: str = ""  # how the relay authenticated (mechanism and identity, never a secret)
    commands: list[UpstreamCommand] = field(default_factory=list)
    failure: str = ""

    def note(self, command: str, code: Any, reply: Any) -> None:
        if len(self.commands) < MAX_KEPT:
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            self.commands.append(UpstreamCommand(now_iso(), command[:300], str(code), text[:300]))

    def to_json_bytes(self) -> bytes:
        return json.dumps({"schema": SCHEMA, **asdict(self)}, ensure_ascii=False, indent=2).encode("utf-8")


def _tls_facts(log: UpstreamLog, up: Upstream, sock: Any) -> None:
    if not isinstance(sock, ssl.SSLSocket):
        raise UpstreamFailed("no TLS session with the platform")
    try:
        log.certificate_sha256 = check_pin(up, sock.getpeercert(binary_form=True))
    except SandboxError as exc:
        raise UpstreamFailed(str(exc)) from exc
    log.tls_version = sock.version() or ""
    log.relay_certificate_sha256 = fingerprint(_der(up))


def _der(up: Upstream) -> bytes | None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if up.client_cert is None:
        return None
    return x509.load_pem_x509_certificates(up.client_cert.read_bytes())[0].public_bytes(Encoding.DER)


class UpstreamSmtp:
    """One SMTP submission session with the platform, opened on the first MAIL of a DUI session."""

    def __init__(self, up: Upstream, for_session: str, timeout: float = 60.0) -> None:
        self.up = up
        self.timeout = timeout
        self.log = UpstreamLog("smtp", up.endpoint, for_session)
        self.smtp: smtplib.SMTP | None = None

    def _reply(self, command: str, code: int, text: Any) -> tuple[int, str]:
        self.log.note(command, code, text)
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        if not 100 <= code < 600:
            raise UpstreamFailed(f"answered {command} with something that is not an SMTP reply")
        return code, said

    def open(self) -> None:
        up, ctx = self.up, client_context(self.up)
        try:
            if up.tls == "implicit":
                self.smtp = smtplib.SMTP_SSL(
                    up.host, up.port, timeout=self.timeout, context=ctx, local_hostname=RELAY_HELO
                )
            else:
                self.smtp = smtplib.SMTP(up.host, up.port, timeout=self.timeout, local_hostname=RELAY_HELO)
                self._reply("EHLO", *self.smtp.ehlo())
                if not self.smtp.has_extn("starttls"):
                    raise UpstreamFailed("the platform does not offer STARTTLS")
                self.smtp._host = up.server_name  # type: ignore[attr-defined]  # the name checked on the certificate
                self._reply("STARTTLS", *self.smtp.starttls(context=ctx))
            _tls_facts(self.log, up, self.smtp.sock)
            self._reply("EHLO", *self.smtp.ehlo())
            self._authenticate(self.smtp)
        except (smtplib.SMTPException, OSError) as exc:
            raise UpstreamFailed(_said(exc)) from exc

    def _authenticate(self, smtp: smtplib.SMTP) -> None:
        up = self.up
        if up.user and up.password is not None:
            code, said = smtp.login(up.user, up.password.reveal())
            self.log.note(f"AUTH ({up.user})", code, said)
            self.log.authenticated = f"AUTH as {up.user}"
        elif up.client_cert is not None and "EXTERNAL" in (smtp.esmtp_features.get("auth") or "").upper().split():
            code, reply = self._reply("AUTH EXTERNAL", *smtp.docmd("AUTH", "EXTERNAL ="))
            if code != 235:
                raise UpstreamFailed(f"the platform refused AUTH EXTERNAL: {code} {reply}")
            self.log.authenticated = "AUTH EXTERNAL (certificate)"
        else:
            self.log.authenticated = "TLS client certificate" if up.client_cert else "none"

    def command(self, verb: str, *args: Any) -> tuple[int, str]:
        """MAIL, RCPT, RSET or DATA on the open session: the platform's (code, text)."""
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        assert smtp is not None
        if verb in ("MAIL", "RCPT"):
            label = f"{'MAIL FROM' if verb == 'MAIL' else 'RCPT TO'}:<{args[0]}> {' '.join(args[1])}".rstrip()
        else:
            label = "RSET" if verb == "RSET" else f"DATA ({len(args[0])} octets)"
        try:
            if verb == "MAIL":
                return self._reply(label, *smtp.mail(*args))
            if verb == "RCPT":
                return self._reply(label, *smtp.rcpt(*args))
            if verb == "RSET":
                return self._reply(label, *smtp.rset())
            return self._reply(label, *smtp.data(args[0]))
        except smtplib.SMTPDataError as exc:  # DATA refused before the content (no 354)
            return self._reply("DATA", exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            said = _said(exc)
            self.log.note(label, "", f"no reply: {said}")  # the command the platform failed on stays in the leg
            raise UpstreamFailed(said) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self._reply("QUIT", *self.smtp.quit())
            except (smtplib.SMTPException, OSError, UpstreamFailed):
                self.smtp.close()
        self.log.ended = now_iso()


class UpstreamImap:
    """One IMAP session with the platform's INBOX of the BAL (for the mirror the DUI reads)."""

    def __init__(self, up: Upstream, for_session: str, timeout: float = 60.0) -> None:
        self.up = up
        self.log = UpstreamLog("imap", up.endpoint, for_session)
        self.timeout = timeout
        self.imap: imaplib.IMAP4 | None = None

    def call(self, label: str, fn: Any, *args: Any) -> list[Any]:
        try:
            typ, data = fn(*args)
        except (imaplib.IMAP4.error, OSError) as exc:
            self.log.note(label, "error", str(exc))
            raise UpstreamFailed(f"{label}: {_said(exc)}") from exc
        self.log.note(label, typ, b" ".join(d for d in data if isinstance(d, bytes))[:300])
        if typ != "OK":
            raise UpstreamFailed(f"the platform answered {label} with {typ}")
        return list(data)

    def open(self, bal: str) -> UpstreamImap:
        up, ctx = self.up, client_context(self.up)
        try:
            if up.tls == "implicit":
                self.imap = imaplib.IMAP4_SSL(up.host, up.port, ssl_context=ctx, timeout=self.timeout)
            else:
                self.imap = imaplib.IMAP4(up.host, up.port, timeout=self.timeout)
                if "STARTTLS" not in self.imap.capabilities:
                    raise UpstreamFailed("the platform does not offer STARTTLS")
                self.imap.host = up.server_name  # the name checked on the certificate
                self.call("STARTTLS", self.imap.starttls, ctx)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise UpstreamFailed(_said(exc)) from exc
        _tls_facts(self.log, up, self.imap.sock)
        if up.user and up.password is not None:
            self.call(f"LOGIN {up.user}", self.imap.login, up.user, up.password.reveal())
            self.log.authenticated = f"LOGIN as {up.user}"
        else:
            self.call("AUTHENTICATE EXTERNAL", self.imap.authenticate, "EXTERNAL", lambda _c: b"")
            self.log.authenticated = f"AUTHENTICATE EXTERNAL (certificate of {bal})"
        self.call("SELECT INBOX", self.imap.select, "INBOX")
        return self

    @property
    def client(self) -> imaplib.IMAP4:
        assert self.imap is not None
        return self.imap

    def uids(self) -> list[int]:
        data = self.call("UID SEARCH ALL", self.client.uid, "SEARCH", None, "ALL")
        return [int(u) for u in (data[0] or b"").split()] if data else []

    def fetch(self, uid: int) -> tuple[bytes, set[str]]:
        """The message's bytes, as the platform holds them, and its flags (BODY.PEEK: nothing is marked seen)."""
        data = self.call(
            f"UID FETCH {uid} (FLAGS BODY.PEEK[])", self.client.uid, "FETCH", str(uid), "(FLAGS BODY.PEEK[])"
        )
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                found = FLAGS_RE.search(item[0])
                flags = {f.decode() for f in found.group(1).split()} if found else set()
                return bytes(item[1]), flags - {"\\Recent"}
        raise UpstreamFailed(f"UID FETCH {uid}: no message in the answer")

    def with_message_id(self, wanted: str) -> list[int]:
        """UIDs of the messages whose Message-ID is `wanted`, newest first (read from the messages themselves:
        SEARCH HEADER and HEADER.FIELDS answers are not served alike by every server)."""
        found = []
        for uid in sorted(self.uids(), reverse=True):
            raw, _ = self.fetch(uid)
            if BytesParser().parsebytes(raw, headersonly=True).get("Message-ID", "").strip() == wanted:
                found.append(uid)
        return found

    def set_flags(self, uid: int, flags: set[str]) -> None:
        listed = " ".join(sorted(flags))
        self.call(f"UID STORE {uid} FLAGS ({listed})", self.client.uid, "STORE", str(uid), "FLAGS", f"({listed})")

    def append(self, raw: bytes, flags: set[str]) -> None:
        listed = f"({' '.join(sorted(flags))})"
        self.call(f"APPEND INBOX {listed} ({len(raw)} octets)", self.client.append, "INBOX", listed, None, raw)

    def expunge(self) -> None:
        self.call("EXPUNGE", self.client.expunge)

    def close(self) -> None:
        if self.imap is not None:
            try:
                typ, data = self.imap.logout()  # BYE, not OK
                self.log.note("LOGOUT", typ, data[0] if data and isinstance(data[0], bytes) else b"")
            except (imaplib.IMAP4.error, OSError):
                self.imap.shutdown()
        self.log.ended = now_iso()


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the platform closed the connection ({exc})"
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the platform answered {exc.smtp_code} {said[:200]}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the platform's certificate is not the profile's ({exc.verify_message or exc.reason})"
    return f"{type(exc).__name__}: {str(exc)[:300]}"
