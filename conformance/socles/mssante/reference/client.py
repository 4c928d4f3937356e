"""The reference DUI's MSSanté transport: SMTP submission and IMAP, STARTTLS, mutual TLS.

What a conformant client does (specs/mssante.md §1): STARTTLS before anything else and abort when
the server does not offer it; TLS 1.2 or later with forward-secret AEAD suites only; trust only the
IGC-Santé bundle it was given, check the host name and the CRL of the chain; present the
establishment's ORG certificate (the applicative BAL authenticates by mutual TLS, then SASL
EXTERNAL when the server offers it). Every socket has a timeout, and every failure becomes a
`TransportError` carrying the sentence shown to the user: the caller never sees a traceback.

`TlsFlaws` are the seeded transport defects; the reference client has none.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from conformance.formats.tls_reuse import reused
from conformance.identity import DEMO, Software, software_of
from conformance.socles.mssante.build.inputs import Bal

AEAD_PFS_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"
LEGACY_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:@SECLEVEL=0"  # forward-secret, TLS 1.0 capable
NO_CHECK_TIME = 0x200000  # OpenSSL X509_V_FLAG_NO_CHECK_TIME


class TransportError(Exception):
    """Sending or reading failed; `str(exc)` is the message shown to the user."""


class OperatorUnreachable(TransportError):
    """Nothing answered at the operator's address (refused, reset, timed out before any protocol)."""


class AuthenticationRefused(TransportError):
    """The operator did not accept the BAL's authentication (530/535, IMAP NO)."""


@dataclass(frozen=True)
class TlsFlaws:
    any_issuer: bool = False  # accept a certificate from any CA (still checks dates and CRL)
    ignore_dates: bool = False  # accept an expired certificate
    check_crl: bool = True
    allow_tls10: bool = False
    client_cert_late: bool = False  # first connects without the ORG certificate, presents it when refused
    plaintext_fallback: bool = False  # SMTP without STARTTLS when the server does not offer it
    imap_auth_before_starttls: bool = False
    # first sends as this other BAL of the establishment (one its ORG certificate does not cover), then,
    # refused by the operator, as its own BAL
    sender_first: str | None = None


NO_FLAWS = TlsFlaws()


@dataclass
class MssConfig:
    host: str
    smtp_port: int
    imap_port: int
    size_limit: int
    ca_bundle: Path
    crl: Path | None
    client_cert: Path
    client_key: Path
    bal: Bal
    nil: str
    whitelist: frozenset[str]
    patients: list[dict[str, Any]] = field(default_factory=list)
    timeout: float = 10.0
    software: Software = DEMO  # named in the X-Mailer header of every message

    @classmethod
    def from_settings(cls, s: dict[str, Any]) -> MssConfig:
        bal = s["bal"]
        return cls(
            host=str(s["host"]),
            smtp_port=int(s["smtp_port"]),
            imap_port=int(s["imap_port"]),
            size_limit=int(s.get("size_limit") or 0),
            ca_bundle=Path(s["ca_bundle"]),
            crl=Path(s["crl"]) if s.get("crl") else None,
            client_cert=Path(s["client_cert"]),
            client_key=Path(s["client_key"]),
            bal=Bal(str(bal["address"]), str(bal.get("display_name") or ""), str(bal.get("type") or "APP")),
            nil=str(s.get("nil") or ""),
            whitelist=frozenset(d.lower() for d in s.get("whitelist") or []),
            patients=list(s.get("patients") or []),
            timeout=float(s.get("timeout") or 10.0),
            software=software_of(s),
        )


def tls_context(cfg: MssConfig, flaws: TlsFlaws = NO_FLAWS, *, client_cert: bool = True) -> ssl.SSLContext:
    """The client context: IGC-Santé bundle only, host name, CRL of the chain, TLS >= 1.2, ORG certificate
    (built once, again when one of its files changes)."""
    files = (cfg.ca_bundle, cfg.crl, cfg.client_cert, cfg.client_key)
    return reused(("mssante", flaws, client_cert), files, lambda: _new_context(cfg, flaws, client_cert))


def _new_context(cfg: MssConfig, flaws: TlsFlaws, client_cert: bool) -> ssl.SSLContext:
    if flaws.any_issuer:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the issuer is "checked" after the handshake, see _lax_peer_check
    else:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(cfg.ca_bundle))
        if flaws.check_crl:
            if cfg.crl is None or not cfg.crl.is_file():
                raise TransportError("liste de révocation (CRL) introuvable : connexion refusée")
            ctx.load_verify_locations(cafile=str(cfg.crl))
            ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
        if flaws.ignore_dates:
            ctx.verify_flags |= NO_CHECK_TIME
    if flaws.allow_tls10:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers(LEGACY_CIPHERS)
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(AEAD_PFS_CIPHERS)
    if client_cert:
        ctx.load_cert_chain(str(cfg.client_cert), str(cfg.client_key))
    return ctx


def _lax_peer_check(sock: Any, cfg: MssConfig) -> None:
    """What a client that skipped chain validation still checks: validity dates and the CRL."""
    der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
    if not der:
        raise TransportError("le serveur n'a présenté aucun certificat")
    cert = x509.load_der_x509_certificate(der)
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise TransportError(
            f"certificat du serveur hors de sa période de validité ({cert.not_valid_after_utc:%Y-%m-%d})"
        )
    if cfg.crl and cfg.crl.is_file():
        marker = b"-----BEGIN X509 CRL-----"
        for block in cfg.crl.read_bytes().split(marker)[1:]:
            crl = x509.load_pem_x509_crl(marker + block)
            if crl.issuer == cert.issuer and crl.get_revoked_certificate_by_serial_number(cert.serial_number):
                raise TransportError("certificat du serveur révoqué")


def _starttls(
    start: Callable[[ssl.SSLContext], object],
    sock: Callable[[], Any],
    cfg: MssConfig,
    flaws: TlsFlaws,
    client_cert: bool,
) -> None:
    """STARTTLS (SMTP or IMAP) with the client context; a refused handshake is a `TransportError`."""
    try:
        start(tls_context(cfg, flaws, client_cert=client_cert))
        if flaws.any_issuer:
            _lax_peer_check(sock(), cfg)
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise TransportError(f"connexion TLS à l'opérateur refusée : {exc}") from exc


@dataclass
class SmtpReport:
    """What was asked of the server, for the audit trail (no secret is ever part of it)."""

    request: str
    refused: dict[str, Any] = field(default_factory=dict)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _no_delay(sock: socket.socket | None) -> None:
    """Commands go out when written (TCP_NODELAY), as an interactive protocol's client wants: with Nagle's
    algorithm a command written while the server delays its ACK of the previous one waits up to 40 ms."""
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def submit(
    cfg: MssConfig,
    rcpts: list[str],
    data: bytes,
    *,
    envid: str | None = None,
    flaws: TlsFlaws = NO_FLAWS,
    timeout: float | None = None,
) -> SmtpReport:
    """Submit `data` from the BAL to `rcpts`; DSN asked (NOTIFY=SUCCESS,FAILURE, RET=HDRS) when `envid`."""
    data = with_mailer(data, cfg.software)
    if flaws.client_cert_late:
        with suppress(AuthenticationRefused):
            return _submit(cfg, rcpts, data, envid, flaws, timeout, client_cert=False)
    return _submit(cfg, rcpts, data, envid, flaws, timeout, client_cert=True)


def with_mailer(data: bytes, software: Software) -> bytes:
    """The message with an X-Mailer header naming the software, unless it already names one."""
    head = data[: data.find(b"\n\n") if b"\n\n" in data else len(data)]
    if b"\nx-mailer:" in b"\n" + head.lower().replace(b"\r\n", b"\n"):
        return data
    eol = b"\r\n" if b"\r\n" in data[:2048] else b"\n"
    return b"X-Mailer: " + software.product.encode("ascii", "replace") + eol + data


def _submit(
    cfg: MssConfig,
    rcpts: list[str],
    data: bytes,
    envid: str | None,
    flaws: TlsFlaws,
    timeout: float | None,
    *,
    client_cert: bool,
) -> SmtpReport:
    steps = [f"SMTP {cfg.host}:{cfg.smtp_port}", "EHLO"]
    try:  # connecting in the constructor keeps the host for STARTTLS's host-name check
        smtp = smtplib.SMTP(cfg.host, cfg.smtp_port, local_hostname=cfg.bal.domain, timeout=timeout or cfg.timeout)
        _no_delay(smtp.sock)  # connected, greeting read: the client has written nothing yet
    except (TimeoutError, ConnectionError, OSError) as exc:
        raise OperatorUnreachable(f"opérateur MSSanté injoignable ({cfg.host}:{cfg.smtp_port}) : {exc}") from exc
    try:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            steps.append("STARTTLS")
            _starttls(lambda ctx: smtp.starttls(context=ctx), lambda: smtp.sock, cfg, flaws, client_cert)
            smtp.ehlo()
        elif not flaws.plaintext_fallback:
            raise TransportError("l'opérateur ne propose pas STARTTLS : envoi abandonné (jamais de message en clair)")
        mechanisms = str(smtp.esmtp_features.get("auth", "")).upper().split()
        if "EXTERNAL" in mechanisms:
            steps.append("AUTH EXTERNAL")
            code, reply = smtp.docmd("AUTH", "EXTERNAL =")
            if code != 235:
                raise AuthenticationRefused(f"authentification par certificat refusée : {code} {_text(reply)}")
        announced = int(smtp.esmtp_features.get("size", "0") or 0)
        if announced and len(data) > announced:
            raise TransportError(
                f"message de {len(data)} octets supérieur à la taille maximale de l'opérateur ({announced} octets)"
            )
        mail_opts: list[str] = []
        rcpt_opts: list[str] = []
        if envid and smtp.has_extn("dsn"):
            mail_opts = ["RET=HDRS", f"ENVID={envid}"]
            rcpt_opts = ["NOTIFY=SUCCESS,FAILURE"]
        steps.append(f"MAIL FROM:<{cfg.bal.address}> {' '.join(mail_opts)}".rstrip())
        steps += [f"RCPT TO:<{r}> {' '.join(rcpt_opts)}".rstrip() for r in rcpts]
        steps.append(f"DATA ({len(data)} octets)")
        if flaws.sender_first:
            steps.insert(-len(rcpts) - 2, f"MAIL FROM:<{flaws.sender_first}> (refusé)")
            with suppress(smtplib.SMTPSenderRefused):
                return SmtpReport("; ".join(steps), dict(smtp.sendmail(flaws.sender_first, rcpts, data)))
        try:
            refused = smtp.sendmail(cfg.bal.address, rcpts, data, mail_opts, rcpt_opts)
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"destinataires refusés par l'opérateur : {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            kind = AuthenticationRefused if exc.smtp_code in (530, 535) else TransportError
            raise kind(f"envoi refusé par l'opérateur : {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        return SmtpReport("; ".join(steps), dict(refused))
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"erreur de communication avec l'opérateur : {exc}") from exc
    finally:
        _quit(smtp)


@contextmanager
def imap_session(
    cfg: MssConfig, flaws: TlsFlaws = NO_FLAWS, timeout: float | None = None, steps: list[str] | None = None
) -> Iterator[imaplib.IMAP4]:
    """An authenticated IMAP session on INBOX (STARTTLS, then AUTHENTICATE EXTERNAL)."""
    steps = steps if steps is not None else []
    imap: imaplib.IMAP4 | None = None
    if flaws.client_cert_late:
        with suppress(AuthenticationRefused):
            imap = _imap_open(cfg, flaws, timeout, steps, client_cert=False)
    imap = imap or _imap_open(cfg, flaws, timeout, steps, client_cert=True)
    try:
        yield imap
    except (imaplib.IMAP4.error, OSError) as exc:
        raise TransportError(f"erreur IMAP avec l'opérateur : {exc}") from exc
    finally:
        _logout(imap)


def _logout(imap: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):
        imap.logout()


def _imap_open(
    cfg: MssConfig, flaws: TlsFlaws, timeout: float | None, steps: list[str], *, client_cert: bool
) -> imaplib.IMAP4:
    steps.append(f"IMAP {cfg.host}:{cfg.imap_port}")
    try:
        imap = imaplib.IMAP4(cfg.host, cfg.imap_port, timeout=timeout or cfg.timeout)
        _no_delay(imap.sock)
    except (TimeoutError, ConnectionError, OSError, imaplib.IMAP4.error) as exc:
        raise OperatorUnreachable(f"opérateur MSSanté injoignable ({cfg.host}:{cfg.imap_port}) : {exc}") from exc
    try:
        if flaws.imap_auth_before_starttls:
            steps.append("AUTHENTICATE EXTERNAL (en clair)")
            with suppress(imaplib.IMAP4.error):
                imap.authenticate("EXTERNAL", lambda _challenge: b"")
        if "STARTTLS" not in imap.capabilities:
            raise TransportError("l'opérateur ne propose pas STARTTLS en IMAP : relève abandonnée")
        steps.append("STARTTLS")
        _starttls(lambda ctx: imap.starttls(ssl_context=ctx), lambda: imap.sock, cfg, flaws, client_cert)
        if imap.state == "NONAUTH":
            steps.append("AUTHENTICATE EXTERNAL")
            try:
                imap.authenticate("EXTERNAL", lambda _challenge: b"")
            except imaplib.IMAP4.error as exc:
                raise AuthenticationRefused(f"authentification par certificat refusée : {exc}") from exc
        steps.append("SELECT INBOX")
        typ, _ = imap.select("INBOX")
        if typ != "OK":
            raise TransportError("boîte INBOX inaccessible")
        return imap
    except TransportError:
        _logout(imap)
        raise
    except (imaplib.IMAP4.error, OSError) as exc:
        _logout(imap)
        raise TransportError(f"erreur IMAP avec l'opérateur : {exc}") from exc


def unseen(imap: imaplib.IMAP4) -> list[bytes]:
    typ, data = imap.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
    if typ != "OK" or not data or not data[0]:
        return []
    return list(data[0].split())


def fetch(imap: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The message without setting \\Seen (set once it is handled, see mark_seen)."""
    typ, data = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def mark_seen(imap: imaplib.IMAP4, uid: bytes) -> None:
    imap.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
