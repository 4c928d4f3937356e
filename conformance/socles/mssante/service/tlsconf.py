"""TLS settings of the mock operator, one profile per variant, for both TLS stacks it runs.

SMTP runs on asyncio (stdlib `ssl`), IMAP on Twisted (pyOpenSSL): the same `TlsProfile` feeds
both, so a variant misbehaves identically on both protocols. The variants are what the transport
scenarios need a DUI to refuse (certificate from outside IGC-Santé, expired, revoked, TLS < 1.2,
a non forward-secret CBC suite, no STARTTLS at all) plus "down".

Legacy TLS (1.0/1.1) needs OpenSSL security level 0 to be offered at all by OpenSSL 3.
"""

from __future__ import annotations

import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IOpenSSLContextFactory
from zope.interface import implementer

from conformance.formats import tls
from conformance.formats.pki import TestPKI

VARIANTS = ("good", "rogue-ca", "expired", "revoked", "tls-legacy", "weak-cipher", "no-starttls", "down")
# the good profile is the one TLS policy of every mock service (formats/tls.py)
GOOD_CIPHERS = tls.TLS12_CIPHERS
WEAK_CIPHERS = "AES128-SHA:@SECLEVEL=0"
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"


@dataclass(frozen=True)
class TlsProfile:
    variant: str
    cert: Path  # certificate chain file (leaf first)
    key: Path
    ca_bundle: Path  # trust anchors for client certificates
    min_version: str  # "TLSv1", "TLSv1.1", "TLSv1.2"
    max_version: str | None
    ciphers: str


def profile(pki: TestPKI, variant: str) -> TlsProfile | None:
    """The TLS the server offers in `variant`; None when it offers no TLS at all."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown operator variant {variant!r} (known: {', '.join(VARIANTS)})")
    if variant in ("no-starttls", "down"):
        return None
    cert, key = pki.server_cert, pki.server_key
    if variant == "rogue-ca":
        cert, key = pki.rogue_cert, pki.rogue_key
    elif variant == "expired":
        cert, key = pki.expired_cert, pki.expired_key
    elif variant == "revoked":
        cert, key = pki.revoked_cert, pki.revoked_key
    if variant == "tls-legacy":
        return TlsProfile(variant, cert, key, pki.ca_bundle, "TLSv1", "TLSv1.1", LEGACY_CIPHERS)
    if variant == "weak-cipher":
        return TlsProfile(variant, cert, key, pki.ca_bundle, "TLSv1.2", "TLSv1.2", WEAK_CIPHERS)
    return TlsProfile(variant, cert, key, pki.ca_bundle, tls.MIN_VERSION, tls.MAX_VERSION, GOOD_CIPHERS)


def stdlib_server_context(prof: TlsProfile) -> ssl.SSLContext:
    """Server side for asyncio/aiosmtpd: asks for a client certificate, verified against the test CAs."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.harden(ctx, min_version=prof.min_version, max_version=prof.max_version, ciphers=prof.ciphers)
    ctx.load_cert_chain(prof.cert, prof.key)
    ctx.load_verify_locations(cafile=prof.ca_bundle)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def server_ssl_context(pki: TestPKI, variant: str = "good") -> ssl.SSLContext | None:
    """The stdlib server context of a variant (None when the variant offers no TLS)."""
    prof = profile(pki, variant)
    return stdlib_server_context(prof) if prof is not None else None


def openssl_server_context(prof: TlsProfile) -> Any:
    """Server side for Twisted: the same profile as a pyOpenSSL context (handed over via getContext)."""
    from OpenSSL import SSL

    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    tls.harden_openssl(ctx, min_version=prof.min_version, max_version=prof.max_version, ciphers=prof.ciphers)
    ctx.use_certificate_chain_file(str(prof.cert))
    ctx.use_privatekey_file(str(prof.key))
    ctx.check_privatekey()
    ctx.load_verify_locations(str(prof.ca_bundle))
    ctx.load_client_ca(str(prof.ca_bundle).encode())
    ctx.set_verify(SSL.VERIFY_PEER, lambda _conn, _cert, _errno, _depth, ok: bool(ok))
    ctx.set_session_id(b"dui-conformance-imap")
    return ctx


@implementer(IOpenSSLContextFactory)
class OpenSSLContextFactory:
    """What Twisted's `startTLS` wants: an object with `getContext()` (built once, reused)."""

    def __init__(self, prof: TlsProfile) -> None:
        self.profile = prof
        self._ctx = openssl_server_context(prof)

    def getContext(self) -> Any:  # noqa: N802 - Twisted's name
        return self._ctx


def client_ssl_context(
    pki: TestPKI, *, strict: bool = True, client_cert: bool = True, check_crl: bool = True
) -> ssl.SSLContext:
    """A client context as a conformant DUI builds it (strict), or a careless one (strict=False).

    Strict: trusts only the test IGC-Santé bundle, checks host name and CRL of the whole chain,
    TLS >= 1.2 with the default (PFS + AEAD) suites. Lax: trusts anything, TLS 1.0 and any suite.
    """
    if strict:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.ca_bundle))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if check_crl:
            ctx.load_verify_locations(cafile=str(pki.crl))
            ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    if client_cert:
        ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    return ctx
