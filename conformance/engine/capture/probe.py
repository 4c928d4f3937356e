"""Before any scenario: is each upstream of the profile there, and is it the platform the profile names?

For every upstream the probe opens the connection a relay will open (TLS straight away for HTTPS and
implicit TLS, STARTTLS after the SMTP EHLO or the IMAP greeting), with the vendor's certificate when
the profile gives one, trusting only the profile's CA and checking the host name; then compares the
leaf with the pinned fingerprint if there is one. Any failure is a `SandboxError` (exit 2), so a run
whose platform is down or impersonated stops before it writes a run folder, let alone a certificate.

The same TLS client context serves the relays' upstream legs (`client_context`), so what was probed
is what is used.
"""

from __future__ import annotations

import hashlib
import imaplib
import smtplib
import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass

from cryptography import x509

from conformance.engine.capture.profile import SandboxError, Upstream

RELAY_HELO = "dui-conformance.relay"  # the name the relay and the probe greet an SMTP upstream with


@dataclass(frozen=True)
class Observed:
    """The certificate an upstream presented at the probe."""

    upstream: str
    endpoint: str
    sha256: str
    subject: str
    issuer: str
    not_after: str
    tls_version: str

    def to_json(self) -> dict[str, str]:
        return {
            "upstream": self.upstream,
            "endpoint": self.endpoint,
            "certificate_sha256": self.sha256,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_after": self.not_after,
            "tls_version": self.tls_version,
        }


def client_context(up: Upstream) -> ssl.SSLContext:
    """TLS 1.2+, the profile's CA only, host name checked, the vendor's certificate when given."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(up.ca))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if up.client_cert and up.client_key:
        ctx.load_cert_chain(str(up.client_cert), str(up.client_key))
    return ctx


def fingerprint(der: bytes | None) -> str:
    return hashlib.sha256(der).hexdigest() if der else ""


def check_pin(up: Upstream, der: bytes | None) -> str:
    """The leaf's SHA-256; a SandboxError when the profile pins another certificate."""
    digest = fingerprint(der)
    if up.fingerprint and digest != up.fingerprint:
        raise SandboxError(
            f"sandbox {up.label}: {up.endpoint} presented certificate {digest}, the profile expects {up.fingerprint}"
        )
    return digest


def _peer(sock: object) -> tuple[bytes | None, str]:
    assert isinstance(sock, ssl.SSLSocket)
    return sock.getpeercert(binary_form=True), sock.version() or ""


def _handshake(up: Upstream, timeout: float) -> tuple[bytes | None, str]:
    """(DER of the upstream's certificate, TLS version) after the handshake a relay will make."""
    ctx = client_context(up)
    if up.tls == "implicit":
        with (
            socket.create_connection((up.host, up.port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=up.server_name) as sock,
        ):
            return _peer(sock)
    if up.protocol == "smtp":
        smtp = smtplib.SMTP(up.host, up.port, timeout=timeout, local_hostname=RELAY_HELO)
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise SandboxError(f"sandbox {up.label}: {up.endpoint} does not offer STARTTLS")
            smtp._host = up.server_name  # type: ignore[attr-defined]  # the name checked on the certificate
            smtp.starttls(context=ctx)
            seen = _peer(smtp.sock)
        finally:  # the failure, not a failed goodbye, is what the user must read
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()
        return seen
    imap = imaplib.IMAP4(up.host, up.port, timeout=timeout)
    try:
        if "STARTTLS" not in imap.capabilities:
            raise SandboxError(f"sandbox {up.label}: {up.endpoint} does not offer STARTTLS")
        imap.host = up.server_name  # the name imaplib checks on the certificate: the profile's
        imap.starttls(ssl_context=ctx)
        seen = _peer(imap.sock)
        with suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    finally:
        with suppress(OSError):
            imap.shutdown()
    return seen


def probe(up: Upstream, timeout: float = 10.0) -> Observed:
    """Connect to one upstream as its relay will; `SandboxError` saying why when it is not usable."""
    try:
        der, version = _handshake(up, timeout)
    except SandboxError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise SandboxError(
            f"sandbox {up.label}: the certificate of {up.endpoint} does not match the profile "
            f"(CA {up.ca.name}, name {up.server_name}): {exc.verify_message or exc.reason}"
        ) from exc
    except ssl.SSLError as exc:
        raise SandboxError(f"sandbox {up.label}: TLS with {up.endpoint} failed: {exc.reason or exc}") from exc
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error) as exc:
        raise SandboxError(f"sandbox {up.label}: {up.endpoint} unreachable: {exc}") from exc
    digest = check_pin(up, der)
    cert = x509.load_der_x509_certificate(der) if der else None
    return Observed(
        up.label,
        up.endpoint,
        digest,
        cert.subject.rfc4514_string() if cert else "",
        cert.issuer.rfc4514_string() if cert else "",
        cert.not_valid_after_utc.isoformat() if cert else "",
        version,
    )
