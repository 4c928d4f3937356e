"""SMTP submission of the mock operator: aiosmtpd with STARTTLS, mutual TLS and DSN, recording everything.

aiosmtpd speaks the protocol; this module only adds, through its documented extension points
(`handle_*` hooks, `smtp_*` / `auth_*` methods of an `SMTP` subclass):
- a record of every command, its reply, and whether it travelled before TLS;
- the operator's policy: MAIL/RCPT need STARTTLS and an authenticated BAL (530 otherwise, the
  attempt recorded), recipients outside the liste blanche get 550 5.7.1;
- authentication by the client certificate: implicit (the certificate of a known BAL suffices,
  which is what `curl --cert` does) or explicit `AUTH EXTERNAL` (RFC 4422) bound to it;
- DSN (RFC 3461): aiosmtpd refuses parameters it does not know (555) and upper-cases the rest, so
  RET/ENVID/NOTIFY/ORCPT are taken out of the command line, case kept, before aiosmtpd parses it;
- what a real MSSanté operator enforces: the envelope sender is the authenticated BAL (553 5.7.1
  otherwise, as Postfix's reject_sender_login_mismatch), a recipient unknown to the operator's
  directory gets 550 5.1.1, every reply has its RFC 3463 enhanced code, and the delivered copy gets
  a Received: trace line (replies.py);
- robustness: a session budget per protocol with eviction of unauthenticated sessions (budget.py),
  a TLS handshake bounded by `handshake_timeout`, and a session released on every exit path (the
  STARTTLS failure paths, a handshake abandoned by the client, which asyncio never reports to this
  protocol, and a periodic sweep of connections whose socket is gone); an address aiosmtpd cannot
  parse (`RCPT TO:<`) is a 501, never an internal error.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import ssl
import threading
from base64 import b64decode
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session, TLSSetupException

from conformance.socles.mssante.service.budget import Slot
from conformance.socles.mssante.service.dsn import dsn_problem, notify_values
from conformance.socles.mssante.service.listener import Listener
from conformance.socles.mssante.service.records import CommandRecord, SessionRecord, TransactionRecord
from conformance.socles.mssante.service.replies import received_header, with_enhanced_code

if TYPE_CHECKING:
    from conformance.socles.mssante.service.operator import Operator

log = logging.getLogger(__name__)


class _QuietLegacyNotice(logging.Filter):
    """aiosmtpd logs a deprecation of its own Session.login_data on every successful AUTH: not ours to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Session.login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietLegacyNotice())

HOSTNAME = "mss-operator.test"
MAX_RCPTS = 100  # RFC 5321 §4.5.3.1.8 minimum
MAIL_DSN = {"RET", "ENVID"}
RCPT_DSN = {"NOTIFY", "ORCPT"}
MALFORMED_ADDRESS = "553 5.1.3 Error: malformed address"  # aiosmtpd's words for an address it cannot parse
SWEEP_SECONDS = 1.0  # how often connections whose socket is gone are looked for


def _reply_parts(status: str | bytes) -> tuple[int | None, str]:
    text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
    code = int(text[:3]) if text[:3].isdigit() else None
    return code, text[:200]


def _positive(code: int | str | None) -> bool:
    return isinstance(code, int) and 200 <= code < 300


def _redact(verb: str, arg: str | None) -> str:
    """Command arguments as recorded: AUTH keeps its mechanism only (what follows is a credential)."""
    if not arg:
        return ""
    if verb == "AUTH":
        return arg.split()[0] if arg.split() else ""
    return arg


class SmtpSession:
    """The aiosmtpd handler of one connection: policy and record of one SMTP session."""

    def __init__(self, operator: Operator, record: SessionRecord) -> None:
        self.op = operator
        self.rec = record
        self.cert_bal: str | None = None  # the BAL the verified client certificate authenticates
        self.external_bal: str | None = None  # set by AUTH EXTERNAL (no auth_ prefix: aiosmtpd scans those)
        self.txn: TransactionRecord | None = None
        self.mail_dsn: dict[str, str] = {}
        self.rcpt_dsn: dict[str, dict[str, str]] = {}

    @property
    def identity(self) -> str | None:
        return self.external_bal or self.cert_bal

    def reset(self) -> None:
        self.txn, self.mail_dsn, self.rcpt_dsn = None, {}, {}

    def _gate(self) -> str | None:
        """The refusal of a transaction command, or None when the session may send mail."""
        if not self.rec.tls_established:
            return "530 5.7.0 Must issue a STARTTLS command first"
        if self.identity is None:
            return "530 5.7.0 Authentication required (client certificate of a BAL, or AUTH EXTERNAL)"
        return None

    # -- aiosmtpd hooks -------------------------------------------------------------------
    def handle_STARTTLS(self, server: SMTP, session: Session, envelope: Envelope) -> bool:  # noqa: N802
        ssl_object: ssl.SSLObject | None = (session.ssl or {}).get("ssl_object")
        if ssl_object is None:
            return False
        self.rec.tls_version = ssl_object.version()
        cipher = ssl_object.cipher()
        self.rec.cipher = cipher[0] if cipher else None
        der = ssl_object.getpeercert(binary_form=True)
        if der:
            self.rec.client_cert = self.op.client_cert_info(der)
            self.cert_bal = self.rec.client_cert.bal
        if self.cert_bal and isinstance(server, RecordingSMTP):
            server.authenticated()
        return True

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,  # noqa: N802
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        self.reset()
        if any(r.startswith("250-STARTTLS") for r in responses):
            self.rec.starttls_offered = True
        server.command_size_limits["MAIL"] = 512 + 26 + 110  # SIZE + RFC 3461 §4 allowances
        server.command_size_limits["RCPT"] = 512 + 528
        return [*responses[:-1], "250-DSN", "250-ENHANCEDSTATUSCODES", responses[-1]]

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,  # noqa: N802
        address: str,
        mail_options: list[str],
    ) -> str:
        refusal = self._gate()
        if refusal:
            return refusal
        if self.rec.auth is None and self.identity:
            self.rec.auth = {"mechanism": "tls-client-certificate", "identity": self.identity}
        if address.lower() != self.identity:  # (aiosmtpd itself answers 501 to the null sender <>)
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by the authenticated BAL"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,  # noqa: N802
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._gate()
        if refusal:
            return refusal
        domain = address.rpartition("@")[2].lower()
        if domain not in self.op.whitelist:
            return f"550 5.7.1 <{address}>: domain not in the MSSante liste blanche"
        if not self.op.knows(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: unknown in the MSSante directory"
        if len(envelope.rcpt_tos) >= MAX_RCPTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        data = envelope.original_content or b""
        rcpt_params = {a: self.rcpt_dsn.get(a, {}) for a in envelope.rcpt_tos}
        mail_params = dict(self.txn.mail_params) if self.txn else {}
        rcpts = list(envelope.rcpt_tos)

        def trace(queue_id: int) -> bytes:
            return received_header(
                helo=str(session.host_name or ""),
                peer=self.rec.peer,
                by=HOSTNAME,
                queue_id=str(queue_id),
                tls_version=self.rec.tls_version,
                cipher=self.rec.cipher,
                authenticated=self.external_bal is not None,
                rcpts=rcpts,
            )

        sub = self.op.accept_message(
            self.rec, envelope.mail_from or "", rcpts, mail_params, rcpt_params, data, trace=trace
        )
        if self.txn is not None:
            self.txn.data_size = len(data)
            self.txn.message_sha256 = sub.evidence.sha256 if sub.evidence else None
        return f"250 2.0.0 OK queued as {sub.seq}"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.reset()
        return "250 2.0.0 OK"

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):
            return "421 4.7.0 TLS handshake failed"
        log.exception("SMTP session %s: internal error", self.rec.id, exc_info=error)
        return "451 4.3.0 Internal error of the mock operator"


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP, with each command and reply written into the session record."""

    def __init__(self, handler: SmtpSession, server: SmtpServer, slot: Slot, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)  # per instance
        self.sess = handler
        self.slot = slot
        self._listener = server
        self._tcp: asyncio.BaseTransport | None = None
        self._ended = False
        self._greeted = False
        self._current: CommandRecord | None = None
        self._verb = ""  # the command being run, even when its record was not kept
        self._index = 0  # 1-based position of the command being run in the record (0: not kept)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._tcp is None:  # the TCP connection (later calls come from STARTTLS)
            self._tcp = transport
            self.sess.rec.peer = _peer(transport)
            self._listener.opened(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self.end(error)

    def end(self, error: Exception | None = None, reason: str = "") -> None:
        """Close the session's record and give its slot back; every exit path comes here, once."""
        if self._ended:
            return
        self._ended = True
        rec = self.sess.rec
        if rec.starttls_used and not rec.tls_established and rec.tls_error is None:
            rec.tls_error = str(error) if error else "TLS handshake not completed (connection closed)"
            rec.end_reason = "tls-failure"
        rec.end_reason = reason or rec.end_reason or "closed"
        self._listener.closed(self)
        self.sess.op.close_session(rec)

    def evict(self) -> None:
        """Another client needs this unauthenticated session's slot: drop the connection now."""
        if isinstance(self._tcp, asyncio.Transport):
            self._tcp.abort()
        self.end(reason="evicted: an unauthenticated session gave way to a new client")

    def authenticated(self) -> None:
        self._listener.budget.authenticated(self.slot)

    def gone(self) -> bool:
        """The TCP connection is closed (whatever the TLS layer above it reported)."""
        return self._tcp is not None and self._tcp.is_closing()

    async def push(self, status: Any) -> None:
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else str(status)
        if text == MALFORMED_ADDRESS and self._verb in ("MAIL", "RCPT"):  # a syntax error, as Postfix words it
            who = "sender" if self._verb == "MAIL" else "recipient"
            text = f"501 5.1.3 Bad {who} address syntax"
        cur = self._current
        if self._greeted and self._verb not in ("EHLO", "HELO"):
            text = with_enhanced_code(text)  # RFC 2034: all but the greeting and the EHLO/HELO replies
        self._greeted = True
        code, shown = _reply_parts(text)
        if cur is not None:
            cur.reply_code, cur.reply = code, shown
        elif code is not None and code >= 500:  # refused before any command method ran (syntax, length)
            cmd = self.sess.rec.command("(invalid)", "")
            if cmd is not None:
                cmd.reply_code, cmd.reply = code, shown
        await super().push(text)

    async def _run(self, verb: str, arg: str | None, method: Callable[[Any], Any]) -> None:
        self._current = self.sess.rec.command(verb, _redact(verb, arg))
        self._verb = verb
        self._index = len(self.sess.rec.commands) if self._current is not None else 0
        try:
            await method(arg)
        finally:
            self._current, self._verb = None, ""

    async def smtp_STARTTLS(self, arg: str) -> None:  # noqa: N802
        if self.sess.rec.tls_established:  # aiosmtpd would stack a second TLS layer (and asyncio then crashes)
            await self._run("STARTTLS", arg, lambda _a: self.push("554 5.5.1 Error: TLS already active"))
            return
        self.sess.rec.starttls_used = True
        try:
            await self._run("STARTTLS", arg, self._starttls)
        except TLSSetupException as exc:
            self.sess.rec.tls_error = self.sess.rec.tls_error or str(exc.__cause__ or exc)
            self.sess.rec.end_reason = "tls-failure"
            raise

    async def _starttls(self, arg: str) -> None:
        """aiosmtpd's STARTTLS within the handshake timeout; a handshake that did not end is a failure."""
        started = self.tls_context is not None and not arg
        limit = self._listener.handshake_timeout
        try:
            await asyncio.wait_for(super().smtp_STARTTLS(arg), limit)
        except TimeoutError as exc:
            self.sess.rec.tls_error = f"TLS handshake not completed within {limit:g} s"
            raise TLSSetupException() from exc
        if started and not self.sess.rec.tls_established:
            # asyncio resolves the handshake with no error when the client closes during it
            self.sess.rec.tls_error = "connection closed during the TLS handshake"
            raise TLSSetupException()

    async def _handle_client(self) -> None:
        """aiosmtpd's command loop; a client that resets the connection ends it quietly (aiosmtpd re-raises
        ConnectionResetError out of its task, which asyncio then logs as a traceback)."""
        try:
            await super()._handle_client()
        except (ConnectionResetError, BrokenPipeError):
            return

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parser, with the email package's own failures (IndexError on `<`) as a 501."""
        try:
            return super()._getaddr(arg)
        except (IndexError, ValueError, TypeError):
            return None, None

    async def smtp_MAIL(self, arg: str | None) -> None:  # noqa: N802
        self.sess.reset()
        rest, dsn, problem = self._take_params(arg, "FROM:", MAIL_DSN)
        params, address = self._params_of(arg, "FROM:")
        txn = self.sess.rec.transaction(address, params)
        self.sess.txn, self.sess.mail_dsn = txn, dsn
        if problem:
            await self._run("MAIL", arg, lambda _a: self.push(f"501 5.5.4 {problem}"))
        else:
            await self._run("MAIL", arg, lambda _a: super(RecordingSMTP, self).smtp_MAIL(rest))
        last = self._last("MAIL")
        if last is not None:
            txn.command = self._index
            txn.mail_reply = last.reply
            txn.mail_accepted = _positive(last.reply_code)
        txn.mail_params.update(dsn)

    async def smtp_RCPT(self, arg: str | None) -> None:  # noqa: N802
        from conformance.socles.mssante.service.records import RcptRecord

        rest, dsn, problem = self._take_params(arg, "TO:", RCPT_DSN)
        params, address = self._params_of(arg, "TO:")
        params.update(dsn)
        txn = self.sess.txn or self.sess.rec.transaction("", {})
        self.sess.txn = txn
        rcpt = RcptRecord(address, params)
        if len(txn.rcpts) < MAX_RCPTS + 1:
            txn.rcpts.append(rcpt)
        if problem:
            await self._run("RCPT", arg, lambda _a: self.push(f"501 5.5.4 {problem}"))
        else:
            await self._run("RCPT", arg, lambda _a: super(RecordingSMTP, self).smtp_RCPT(rest))
        last = self._last("RCPT")
        if last is not None:
            rcpt.command = self._index
            rcpt.reply = last.reply
            rcpt.accepted = _positive(last.reply_code)
            if rcpt.accepted:
                self.sess.rcpt_dsn[address] = dsn

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
        txn = self.sess.txn
        await self._run("DATA", arg, super().smtp_DATA)
        last = self._last("DATA")
        if txn is not None and last is not None:
            txn.data_command = self._index
            txn.data_reply = last.reply
            txn.data_refused_size = last.reply_code == 552
        self.sess.reset()

    async def auth_EXTERNAL(self, _: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        """RFC 4422 EXTERNAL: the identity is the TLS client certificate's; an authzid must match it."""
        bal = self.sess.cert_bal
        if len(args) > 1:
            response: Any = b"" if args[1] == "=" else None
            if response is None:
                try:
                    response = b64decode(args[1], validate=True)
                except ValueError:
                    return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot decode base64")
        else:
            response = await self.challenge_auth("")
            if not isinstance(response, bytes):
                return AuthResult(success=False, handled=True)
        if bal is None:
            return AuthResult(
                success=False,
                handled=False,
                message="535 5.7.8 No client certificate of a known BAL for EXTERNAL",
            )
        authzid = response.decode("utf-8", "replace").strip().lower()
        if authzid and authzid != bal:
            return AuthResult(
                success=False,
                handled=False,
                message="535 5.7.8 Authorization identity does not match the certificate",
            )
        self.sess.external_bal = bal
        self.sess.rec.auth = {"mechanism": "EXTERNAL", "identity": bal}
        return AuthResult(success=True, auth_data=bal)

    # -- helpers --------------------------------------------------------------------------
    def _last(self, verb: str) -> CommandRecord | None:
        """The record of the command just run, if it was kept."""
        cmds = self.sess.rec.commands
        return cmds[self._index - 1] if self._index and cmds[self._index - 1].verb == verb else None

    def _split(self, arg: str | None, keyword: str) -> tuple[str, str, str] | None:
        """(keyword + address text, address, parameter text) using aiosmtpd's own address parser."""
        if arg is None:
            return None
        stripped = self._strip_command_keyword(keyword, arg)
        if stripped is None:
            return None
        address, rest = self._getaddr(stripped)
        if address is None or rest is None:
            return None
        head = stripped[: len(stripped) - len(rest)] if rest else stripped
        return f"{keyword}{head.rstrip()}", address, rest

    def _params_of(self, arg: str | None, keyword: str) -> tuple[dict[str, str], str]:
        parts = self._split(arg, keyword)
        if parts is None:
            return {}, (arg or "")[len(keyword) :].strip()
        params: dict[str, str] = {}
        for token in parts[2].split():
            key, _, value = token.partition("=")
            params[key.upper()] = value
        return params, parts[1]

    def _take_params(
        self, arg: str | None, keyword: str, wanted: set[str]
    ) -> tuple[str | None, dict[str, str], str | None]:
        """Remove RFC 3461 parameters from a MAIL/RCPT argument; (rest for aiosmtpd, taken, problem)."""
        parts = self._split(arg, keyword)
        if parts is None:
            return arg, {}, None
        head, _address, rest = parts
        kept: list[str] = []
        taken: dict[str, str] = {}
        problem = None
        for token in rest.split():
            key, _, value = token.partition("=")
            if key.upper() in wanted:
                taken[key.upper()] = value
                problem = problem or dsn_problem(key.upper(), value)
            else:
                kept.append(token)
        if "NOTIFY" in taken and "NEVER" in notify_values(taken) and len(notify_values(taken)) > 1:
            problem = "NOTIFY=NEVER cannot be combined"
        return " ".join([head, *kept]), taken, problem


def _recorded(verb: str) -> Callable[..., Any]:
    parent = getattr(SMTP, f"smtp_{verb}")

    @functools.wraps(parent)
    async def method(self: RecordingSMTP, arg: str | None) -> None:
        await self._run(verb, arg, functools.partial(parent, self))
        if verb in ("EHLO", "HELO", "RSET"):
            self.sess.reset()
        elif verb == "QUIT":
            self.sess.rec.end_reason = "quit"

    return method


for _verb in ("HELO", "EHLO", "NOOP", "QUIT", "AUTH", "HELP", "VRFY", "RSET", "EXPN"):
    setattr(RecordingSMTP, f"smtp_{_verb}", _recorded(_verb))


class _Gate(asyncio.Protocol):
    """The first protocol of every connection: admission (variant "down", session budget) before SMTP.

    asyncio gives a protocol factory no address, so the budget is asked here, in `connection_made`;
    an admitted connection is handed to its RecordingSMTP (`set_protocol`), a refused one gets a
    421 and is closed. Either way the session is recorded.
    """

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        server, op = self.server, self.server.op
        variant = op.variant
        peer = _peer(transport)
        if variant == "down":
            server.refused(peer, variant, "refused: operator down")
            transport.close()
            return
        holder: list[RecordingSMTP] = []
        admission = server.budget.admit(peer.rpartition(":")[0] or peer, lambda: holder[0].evict())
        if admission.slot is None:
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(f"421 4.7.0 {HOSTNAME} {admission.refusal}, try again later\r\n".encode())
            server.refused(peer, variant, f"refused: {admission.refusal}")
            transport.close()
            return
        proto = server.session_protocol(variant, admission.slot)
        holder.append(proto)
        transport.set_protocol(proto)
        proto.connection_made(transport)


class SmtpServer(Listener):
    """The submission listener, on its own asyncio loop thread."""

    protocol = "smtp"
    session_class: type[SmtpSession] = SmtpSession  # the sandbox relay forwards through a subclass

    def __init__(self, operator: Operator, host: str, port: int, **limits: Any) -> None:
        super().__init__(operator, host, port, **limits)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._open: dict[RecordingSMTP, int] = {}  # session -> sweeps that found its socket gone
        self._sweeper: asyncio.TimerHandle | None = None

    def session_protocol(self, variant: str, slot: Slot) -> RecordingSMTP:
        record = self.op.open_session("smtp", variant)
        return RecordingSMTP(
            self.session_class(self.op, record),
            self,
            slot,
            data_size_limit=self.op.size_limit,
            hostname=HOSTNAME,
            ident="dui-conformance MSSante mock",
            tls_context=self.op.stdlib_context(variant),
            require_starttls=False,
            auth_required=False,
            auth_require_tls=True,
            auth_exclude_mechanism=["PLAIN", "LOGIN"],
            timeout=self.idle_timeout,
            loop=self._loop,
        )

    def opened(self, proto: RecordingSMTP) -> None:
        self._open[proto] = 0

    def closed(self, proto: RecordingSMTP) -> None:
        self._open.pop(proto, None)
        self.budget.release(proto.slot)

    def _sweep(self) -> None:
        """End the sessions whose TCP connection is gone for two sweeps in a row (asyncio lost track)."""
        for proto in list(self._open):
            if proto.gone():
                self._open[proto] += 1
                if self._open[proto] >= 2:
                    proto.end(reason=proto.sess.rec.end_reason or "closed")
        if self._loop is not None:
            self._sweeper = self._loop.call_later(SWEEP_SECONDS, self._sweep)

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mss-smtp", daemon=True)
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(lambda: _Gate(self), self.host, self.requested_port, reuse_address=True),
            self._loop,
        )
        self._server = fut.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop.call_soon_threadsafe(self._sweep)

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._sweeper is not None:
                self._sweeper.cancel()
            if self._server is not None:
                self._server.close()
            if not self._open:  # no session to close (the usual end of a run): nothing to wait for
                return
            for proto in list(self._open):
                if proto._tcp is not None:
                    proto._tcp.close()
            await asyncio.sleep(0.05)  # let asyncio report the closes, then end what it never reports
            for proto in list(self._open):
                proto.end(reason=proto.sess.rec.end_reason or "closed: operator stopped")

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        self.op.log.wait_idle(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()
        self._loop = None


def _peer(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
