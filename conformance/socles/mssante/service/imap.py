"""IMAP of the mock operator: Twisted's IMAP4Server with STARTTLS and certificate authentication, recorded.

How a client reaches its mailbox (what a conformant DUI does, and what Python's imaplib does):

    imap = imaplib.IMAP4(host, imap_port)              # greeting: CAPABILITY ... STARTTLS LOGINDISABLED
    imap.starttls(ssl_context)                         # ssl_context with the ORG client certificate
    imap.authenticate("EXTERNAL", lambda _: b"")       # SASL EXTERNAL (RFC 4422): the identity is the
                                                       # certificate's BAL; an authzid, if sent, must equal it
    imap.select("INBOX"); imap.uid("SEARCH", None, "UNSEEN"); imap.uid("FETCH", uid, "(RFC822)")
    imap.uid("STORE", uid, "+FLAGS", r"(\\Seen)"); imap.expunge(); imap.logout()

`LOGIN <bal> <anything>` after STARTTLS is also accepted when <bal> is the certificate's BAL (the
password is ignored: the certificate authenticates). LOGIN or AUTHENTICATE before STARTTLS is
refused (`NO [PRIVACYREQUIRED]`) and recorded as credentials sent in clear.

Limits, as for SMTP (budget.py): a session budget of its own with eviction of unauthenticated
sessions, a refused newcomer told `* BYE [UNAVAILABLE]` (RFC 5530), and a TLS handshake aborted
after `handshake_timeout` (Twisted's idle timeout would only ask a half-open TLS layer to close
politely). LIST answers mailbox attributes (RFC 3501 §7.2.2), never the message flags of SELECT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.cred import error as cred_error
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.credentials import ICredentials
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, protocol
from twisted.internet.interfaces import IHandshakeListener
from twisted.mail import imap4
from twisted.mail.interfaces import IChallengeResponse
from zope.interface import implementer

import conformance.socles.mssante.service.reactor as rx
from conformance.socles.mssante.service.budget import Slot
from conformance.socles.mssante.service.listener import Listener
from conformance.socles.mssante.service.mailboxes import MailStore, StoredMessage
from conformance.socles.mssante.service.records import CommandRecord, SessionRecord

if TYPE_CHECKING:
    from conformance.socles.mssante.service.operator import Operator


class ICertificateCredentials(ICredentials):
    """A BAL proven by the TLS client certificate, with the authorization identity the client asked for."""


@implementer(IChallengeResponse, ICertificateCredentials)
class CertificateCredentials:
    """SASL EXTERNAL (one empty challenge) and the certificate-bound LOGIN share these credentials."""

    def __init__(self, bal: str | None, authzid: str = "") -> None:
        self.bal = bal
        self.authzid = authzid

    def getChallenge(self) -> bytes:  # noqa: N802 - Twisted's names
        return b""

    def setResponse(self, response: bytes) -> None:  # noqa: N802
        self.authzid = response.decode("utf-8", "replace").strip().lower()

    def moreChallenges(self) -> bool:  # noqa: N802
        return False


@implementer(ICredentialsChecker)
class CertificateChecker:
    credentialInterfaces = (ICertificateCredentials,)

    def requestAvatarId(self, credentials: CertificateCredentials) -> defer.Deferred[str]:  # noqa: N802
        if not credentials.bal:
            return defer.fail(cred_error.UnauthorizedLogin("no client certificate of a known BAL"))
        if credentials.authzid and credentials.authzid != credentials.bal:
            return defer.fail(cred_error.UnauthorizedLogin("authorization identity does not match the certificate"))
        return defer.succeed(credentials.bal)


@implementer(IRealm)
class MailRealm:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    def requestAvatar(self, avatar_id: str, mind: Any, *interfaces: Any) -> tuple[Any, Any, Callable[[], None]]:  # noqa: N802
        if imap4.IAccount not in interfaces:
            # this realm serves mailboxes and nothing else: any other avatar kind is a refused login
            raise cred_error.UnauthorizedLogin("only IMAP accounts are served here")
        return imap4.IAccount, self.store.account(avatar_id), lambda: None


def _redact(verb: str, rest: bytes | None) -> str:
    """LOGIN keeps the user name, AUTHENTICATE its mechanism: never a password or a SASL response."""
    text = (rest or b"").decode("utf-8", "replace")
    if verb in ("LOGIN", "AUTHENTICATE"):
        return text.split(None, 1)[0] if text.split() else ""
    return text


def _mark_seen(msg: Any) -> None:
    if isinstance(msg, StoredMessage):
        msg.flags.add("\\Seen")  # RFC 3501 §6.4.5: fetching a body without .PEEK sets \Seen


@implementer(IHandshakeListener)
class RecordingIMAP(imap4.IMAP4Server):
    def __init__(self, server: ImapServer, record: SessionRecord, ctx: Any, slot: Slot) -> None:
        super().__init__(chal={}, contextFactory=ctx)
        self.server = server
        self.op: Operator = server.op
        self.rec = record
        self.slot = slot
        self._handshake_deadline: Any = None  # a Twisted IDelayedCall while a handshake is awaited
        self.portal: Any = server.portal
        self.timeOut = self.POSTAUTH_TIMEOUT = server.idle_timeout  # type: ignore[assignment]
        self.cert_bal: str | None = None
        self._open: dict[bytes, CommandRecord] = {}
        self._ended = False
        record.starttls_offered = ctx is not None

    # -- connection life ------------------------------------------------------------------
    def connectionMade(self) -> None:  # noqa: N802
        transport: Any = self.transport
        transport.setTcpNoDelay(True)  # answers go out when written (Twisted leaves Nagle on: up to 40 ms each)
        peer = transport.getPeer()
        self.rec.peer = f"{peer.host}:{peer.port}"
        self.server.opened(self)
        super().connectionMade()

    def handshakeCompleted(self) -> None:  # noqa: N802
        transport: Any = self.transport
        conn = transport.getHandle()
        self.rec.tls_version = conn.get_protocol_version_name()
        self.rec.cipher = conn.get_cipher_name()
        peer = conn.get_peer_certificate()
        if peer is not None:
            from cryptography.hazmat.primitives.serialization import Encoding

            der = peer.to_cryptography().public_bytes(Encoding.DER)
            self.rec.client_cert = self.op.client_cert_info(der)
            self.cert_bal = self.rec.client_cert.bal
        self._cancel_deadline()
        if self.cert_bal:
            self.server.budget.authenticated(self.slot)

    def connectionLost(self, reason: Any = protocol.connectionDone) -> None:  # noqa: N802
        super().connectionLost(reason)
        self._cancel_deadline()
        if self._ended:
            return
        self._ended = True
        if self.rec.starttls_used and not self.rec.tls_established and self.rec.tls_error is None:
            self.rec.tls_error = reason.getErrorMessage() if reason is not None else "TLS handshake not completed"
            self.rec.end_reason = "tls-failure"
        self.rec.end_reason = self.rec.end_reason or "closed"
        self._open.clear()
        self.server.closed(self)
        self.op.close_session(self.rec)

    def evict(self) -> None:
        """Another client needs this unauthenticated session's slot (connectionLost ends the record)."""
        self.rec.end_reason = "evicted: an unauthenticated session gave way to a new client"
        transport: Any = self.transport
        if transport is not None:
            transport.abortConnection()

    def _cancel_deadline(self) -> None:
        if self._handshake_deadline is not None and self._handshake_deadline.active():
            self._handshake_deadline.cancel()
        self._handshake_deadline = None

    def _handshake_expired(self) -> None:
        self._handshake_deadline = None
        if not self.rec.tls_established:
            self.rec.tls_error = f"TLS handshake not completed within {self.server.handshake_timeout:g} s"
            self.rec.end_reason = "tls-failure"
            transport: Any = self.transport
            if transport is not None:
                transport.abortConnection()

    def timeoutConnection(self) -> None:  # noqa: N802
        if self.startedTLS and not self.rec.tls_established:  # a TLS layer mid-handshake: no polite BYE
            self._handshake_expired()
            return
        super().timeoutConnection()

    # -- recording ------------------------------------------------------------------------
    def dispatchCommand(self, tag: bytes, cmd: bytes, rest: bytes | None, uid: Any = None) -> Any:  # noqa: N802
        if uid is None:  # "UID FETCH" arrives twice: once as UID, once as FETCH with uid set
            verb = cmd.decode("ascii", "replace").upper()
            record = self.rec.command(verb, _redact(verb, rest))
            if record is not None:
                self._open[tag] = record
        return super().dispatchCommand(tag, cmd, rest, uid)

    def _answered(self, state: bytes, tag: bytes | None, message: Any) -> None:
        record = self._open.pop(tag, None) if tag else None
        if record is None:
            return
        record.reply_code = state.decode()
        text = message if isinstance(message, bytes) else str(message or "").encode()
        record.reply = text.decode("utf-8", "replace")[:200]
        if state == b"OK" and record.verb in ("LOGIN", "AUTHENTICATE") and self.cert_bal:
            mech = "EXTERNAL" if record.verb == "AUTHENTICATE" else "LOGIN (certificate-bound)"
            self.rec.auth = {"mechanism": mech, "identity": self.cert_bal}
        if record.verb == "LOGOUT":
            self.rec.end_reason = "logout"

    def sendPositiveResponse(self, tag: bytes | None = None, message: bytes = b"") -> None:  # noqa: N802
        self._answered(b"OK", tag, message)
        super().sendPositiveResponse(tag, message)

    def sendNegativeResponse(self, tag: bytes | None = None, message: bytes = b"") -> None:  # noqa: N802
        self._answered(b"NO", tag, message)
        super().sendNegativeResponse(tag, message)

    def sendBadResponse(self, tag: bytes | None = None, message: bytes = b"") -> None:  # noqa: N802
        self._answered(b"BAD", tag, message)
        super().sendBadResponse(tag, message)

    # -- policy ---------------------------------------------------------------------------
    def do_STARTTLS(self, tag: bytes) -> None:  # noqa: N802
        if self.ctx and not self.startedTLS:
            self.rec.starttls_used = True
        super().do_STARTTLS(tag)
        if self.startedTLS:  # SASL after TLS: EXTERNAL only (Twisted would add LOGIN and PLAIN)
            self.challengers: Any = {b"EXTERNAL": lambda: CertificateCredentials(self.cert_bal)}
            if self._handshake_deadline is None and not self.rec.tls_established:
                r: Any = rx.reactor()
                self._handshake_deadline = r.callLater(self.server.handshake_timeout, self._handshake_expired)

    unauth_STARTTLS = (do_STARTTLS,)  # type: ignore[assignment]

    def do_AUTHENTICATE(self, tag: bytes, args: bytes) -> None:  # noqa: N802
        if not self.rec.tls_established:
            self.sendNegativeResponse(tag, b"[PRIVACYREQUIRED] AUTHENTICATE refused before STARTTLS")
            return
        super().do_AUTHENTICATE(tag, args)

    unauth_AUTHENTICATE = (do_AUTHENTICATE, imap4.IMAP4Server.arg_atom)  # type: ignore[assignment]

    def do_LOGIN(self, tag: bytes, user: bytes, passwd: bytes) -> None:  # noqa: N802
        if not self.rec.tls_established:
            self.sendNegativeResponse(tag, b"[PRIVACYREQUIRED] LOGIN refused before STARTTLS")
            return
        super().do_LOGIN(tag, user, passwd)

    unauth_LOGIN = (
        do_LOGIN,
        imap4.IMAP4Server.arg_astring,  # type: ignore[assignment]
        imap4.IMAP4Server.arg_finalastring,
    )

    def authenticateLogin(self, user: bytes, passwd: bytes) -> Any:  # noqa: N802
        """LOGIN bound to the certificate: the user must be the certificate's BAL; the password is ignored."""
        creds = CertificateCredentials(self.cert_bal, user.decode("utf-8", "replace").strip().lower())
        if not creds.authzid:
            raise cred_error.UnauthorizedLogin()
        return self.portal.login(creds, None, imap4.IAccount)

    def _cbAppendGotMailbox(self, mbox: Any, tag: bytes, flags: Any, date: Any, message: Any) -> None:  # noqa: N802
        # APPEND without a flag list gives flags=None, which Twisted then iterates: an empty list is meant
        super()._cbAppendGotMailbox(mbox, tag, flags or [], date, message)

    def _fileLiteral(self, size: int) -> Any:  # noqa: N802 - bound APPEND literals by the size limit
        if size > self.op.size_limit:
            raise imap4.IllegalClientResponse(f"literal of {size} octets exceeds {self.op.size_limit}")
        return super()._fileLiteral(size)

    def _cbListWork(self, mailboxes: Any, tag: bytes, sub: Any, cmdName: bytes) -> None:  # noqa: N802, N803
        """LIST/LSUB with mailbox attributes (RFC 3501 §7.2.2); Twisted sends the mailbox's message flags."""
        account: Any = self.account
        for name, box in mailboxes:
            if not sub or account.isSubscribed(name):
                attributes: list[str] = getattr(box, "attributes", list)()
                delim = box.getHierarchicalDelimiter().encode("imap4-utf-7")
                resp = (
                    imap4.DontQuoteMe(cmdName),
                    [imap4.DontQuoteMe(a.encode()) for a in attributes],
                    delim,
                    name.encode("imap4-utf-7"),
                )
                self.sendUntaggedResponse(imap4.collapseNestedLists(resp))
        self.sendPositiveResponse(tag, cmdName + b" completed")

    def spew_rfc822(self, id: int, msg: Any, _w: Any = None, _f: Any = None) -> Any:
        _mark_seen(msg)
        return super().spew_rfc822(id, msg, _w, _f)

    def spew_rfc822text(self, id: int, msg: Any, _w: Any = None, _f: Any = None) -> Any:
        _mark_seen(msg)
        return super().spew_rfc822text(id, msg, _w, _f)

    def spew_body(self, part: Any, id: int, msg: Any, _w: Any = None, _f: Any = None) -> Any:
        if not getattr(part, "peek", False) and not getattr(part, "header", None):
            _mark_seen(msg)
        return super().spew_body(part, id, msg, _w, _f)


class _Refuser(protocol.Protocol):
    def __init__(self, on_made: Callable[[str], None], banner: bytes = b"") -> None:
        self._on_made = on_made
        self._banner = banner

    def connectionMade(self) -> None:  # noqa: N802
        transport: Any = self.transport
        peer = transport.getPeer()
        self._on_made(f"{peer.host}:{peer.port}")
        if self._banner:
            transport.write(self._banner)
            transport.loseConnection()
        else:
            transport.abortConnection()


class _Factory(protocol.Factory):
    def __init__(self, server: ImapServer) -> None:
        self.server = server

    def buildProtocol(self, addr: Any) -> protocol.Protocol:  # noqa: N802
        op = self.server.op
        variant = op.variant
        if variant == "down":
            return _Refuser(lambda peer: self.server.refused(peer, variant, "refused: operator down"))
        holder: list[RecordingIMAP] = []
        admission = self.server.budget.admit(str(getattr(addr, "host", addr)), lambda: holder[0].evict())
        if admission.slot is None:
            why = admission.refusal
            banner = f"* BYE [UNAVAILABLE] {why}, try again later\r\n".encode()
            return _Refuser(lambda peer: self.server.refused(peer, variant, f"refused: {why}"), banner)
        proto = RecordingIMAP(
            self.server, op.open_session("imap", variant), op.twisted_context(variant), admission.slot
        )
        holder.append(proto)
        proto.factory = self
        return proto


class ImapServer(Listener):
    """The IMAP listener, in the process-wide reactor thread."""

    protocol = "imap"

    def __init__(self, operator: Operator, host: str, port: int, **limits: Any) -> None:
        super().__init__(operator, host, port, **limits)
        realm: Any = MailRealm(operator.store)  # zope interfaces: invisible to mypy
        checker: Any = CertificateChecker()
        portal = Portal(realm)
        portal.registerChecker(checker)
        self.portal = portal
        self._listening: Any = None
        self._open: set[RecordingIMAP] = set()

    def opened(self, proto: RecordingIMAP) -> None:
        self._open.add(proto)

    def closed(self, proto: RecordingIMAP) -> None:
        self._open.discard(proto)
        self.budget.release(proto.slot)

    def start(self) -> None:
        r = rx.reactor()
        self._listening = rx.call(r.listenTCP, self.requested_port, _Factory(self), interface=self.host)
        self.port = self._listening.getHost().port

    def stop(self) -> None:
        if self._listening is None:
            return

        def shutdown() -> Any:
            for proto in list(self._open):
                if proto.transport is not None:
                    proto.transport.abortConnection()
            return self._listening.stopListening()

        rx.call(shutdown)
        self._listening = None
