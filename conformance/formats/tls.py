"""One TLS policy for every mock service: the protocols and cipher suites are declared here, once.

The mock MSSanté operator (asyncio SMTP and Twisted IMAP), the mock DMP and the e-prescription
stand-in all serve TLS the way the national services are expected to: TLS 1.2 or 1.3 only,
TLS 1.2 restricted to forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305; no CBC,
so no LUCKY13 / "obsolete CBC ciphers" finding from testssl), no TLS compression, no client-initiated
renegotiation, the server's preference order. TLS 1.3 suites are all AEAD and forward secret, so
OpenSSL's defaults stand. Sources: ANSSI "Recommandations de sécurité relatives à TLS" v1.2
(2020, R3-R5: TLS 1.2/1.3 only, ECDHE, AEAD), and the RGS-derived IGC-Santé usage rules; the exact
list each national service offers is not public (the MSSanté operators' is UNSURE in
the shared specs), which is why the clients are judged by what they accept, not by this list.

A handshake is bounded too: `HANDSHAKE_TIMEOUT` is what every listener allows a client to finish
its TLS handshake before the connection is dropped (a stalled handshake must not hold a session).

`PeerBook` tells an ASGI application (uvicorn) which certificate each client authenticated with.

`offered(...)` lists what a listening port really accepts (protocol versions and TLS 1.2 suites), by
handshakes with one-suite client contexts; tests compare every port of every service with the policy.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MIN_VERSION = "TLSv1.2"
MAX_VERSION: str | None = None  # TLS 1.3 included
# TLS 1.2 suites: forward secrecy + AEAD only (DHE suites stay out in practice: no DH parameters are loaded)
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"
HANDSHAKE_TIMEOUT = 10.0  # seconds a client has to complete a TLS handshake

_STDLIB_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
PROTOCOLS = tuple(_STDLIB_VERSIONS)


def stdlib_version(name: str) -> ssl.TLSVersion:
    return _STDLIB_VERSIONS[name]


def harden(
    ctx: ssl.SSLContext,
    *,
    min_version: str = MIN_VERSION,
    max_version: str | None = MAX_VERSION,
    ciphers: str = TLS12_CIPHERS,
) -> ssl.SSLContext:
    """Apply the policy (or a deliberately weaker variant's versions and suites) to a server context."""
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: only a misbehaving variant asks for them
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = _STDLIB_VERSIONS[min_version]
        if max_version:
            ctx.maximum_version = _STDLIB_VERSIONS[max_version]
    ctx.set_ciphers(ciphers)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    return ctx


def server_context(
    cert: str, key: str, ca_bundle: str, *, require_client_cert: bool = True, crl: str | None = None
) -> ssl.SSLContext:
    """A stdlib server context under the policy, asking for a client certificate chained to `ca_bundle`
    (and not revoked by the CRLs of `crl`, when given)."""
    ctx = harden(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(cafile=ca_bundle)
    ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    if crl:
        check_revocation(ctx, crl)
    return ctx


def check_revocation(ctx: ssl.SSLContext, crl: str) -> ssl.SSLContext:
    """Refuse, during the handshake, a client certificate its CA revoked (CRL file of PEM CRLs)."""
    ctx.load_verify_locations(cafile=crl)
    ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return ctx


def harden_openssl(
    ctx: Any,
    *,
    min_version: str = MIN_VERSION,
    max_version: str | None = MAX_VERSION,
    ciphers: str = TLS12_CIPHERS,
) -> Any:
    """The same policy on a pyOpenSSL `SSL.Context` (Twisted's TLS stack)."""
    from OpenSSL import SSL

    versions = {
        "TLSv1": SSL.TLS1_VERSION,
        "TLSv1.1": SSL.TLS1_1_VERSION,
        "TLSv1.2": SSL.TLS1_2_VERSION,
        "TLSv1.3": SSL.TLS1_3_VERSION,
    }
    ctx.set_min_proto_version(versions[min_version])
    if max_version:
        ctx.set_max_proto_version(versions[max_version])
    ctx.set_cipher_list(ciphers.encode("ascii"))
    ctx.set_options(SSL.OP_NO_COMPRESSION | SSL.OP_CIPHER_SERVER_PREFERENCE | SSL.OP_NO_RENEGOTIATION)
    return ctx


# -- what a port offers ------------------------------------------------------------------------------


@dataclass
class Offer:
    """What one listening port accepted: protocol versions and, for TLS 1.2, the suites."""

    protocols: list[str] = field(default_factory=list)
    tls12_suites: list[str] = field(default_factory=list)

    def weak_suites(self) -> list[str]:
        """TLS 1.2 suites that are not forward-secret AEAD (CBC, static RSA, NULL, export...)."""
        return [s for s in self.tls12_suites if not is_strong_tls12_suite(s)]


def is_strong_tls12_suite(name: str) -> bool:
    """OpenSSL suite name: ECDHE/DHE key exchange and an AEAD (GCM, ChaCha20-Poly1305)."""
    return name.startswith(("ECDHE-", "DHE-")) and ("GCM" in name or "CHACHA20" in name)


def candidate_tls12_suites() -> list[str]:
    """Every TLS 1.2 suite this OpenSSL can offer as a client, weakest included."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return sorted({c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"})


Opener = Callable[[], socket.socket]  # a connected socket, ready for the TLS handshake (STARTTLS done)


def _client(version: str, cipher: str | None, cert: tuple[str, str] | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ctx.maximum_version = _STDLIB_VERSIONS[version]
    ctx.set_ciphers(f"{cipher}:@SECLEVEL=0" if cipher else "ALL:@SECLEVEL=0")
    if cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx


def handshake(
    open_socket: Opener, version: str, cipher: str | None = None, cert: tuple[str, str] | None = None
) -> str | None:
    """The suite negotiated with `version` (and only `cipher` when given), or None when the server refuses."""
    ctx = _client(version, cipher, cert)
    sock = open_socket()
    try:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            got = tls.cipher()
            return got[0] if got else None
    except (ssl.SSLError, OSError):
        return None
    finally:
        sock.close()


def offered(open_socket: Opener, cert: tuple[str, str] | None = None) -> Offer:
    """Probe a port: which protocol versions it accepts, and which TLS 1.2 suites."""
    offer = Offer()
    for version in PROTOCOLS:
        if handshake(open_socket, version, None, cert) is not None:
            offer.protocols.append(version)
    if "TLSv1.2" in offer.protocols:
        for suite in candidate_tls12_suites():
            if handshake(open_socket, "TLSv1.2", suite, cert) == suite:
                offer.tls12_suites.append(suite)
    return offer


# -- which certificate each client of an ASGI service authenticated with ---------------------------------
# ASGI gives an application no view of the TLS session, so the services serve HTTP/1.1 with a subclass
# of uvicorn's h11 protocol that notes the peer certificate once the handshake is done (asyncio calls
# connection_made after it), keyed by the client's address, which the request scope carries.

MAX_PEERS = 4096


class PeerBook:
    """Client address -> DER certificate of its TLS session (bounded; forgotten when it closes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._der: dict[tuple[str, int], bytes | None] = {}

    def note(self, client: tuple[str, int] | None, der: bytes | None) -> None:
        if client is None:
            return
        with self._lock:
            if len(self._der) >= MAX_PEERS:
                self._der.pop(next(iter(self._der)))
            self._der[client] = der

    def forget(self, client: tuple[str, int] | None) -> None:
        if client is not None:
            with self._lock:
                self._der.pop(client, None)

    def certificate(self, client: Any) -> bytes | None:
        if client is None:
            return None
        with self._lock:
            return self._der.get((str(client[0]), int(client[1])))

    def protocol(self) -> Any:
        """uvicorn's h11 protocol class (its documented `http=` option), noting each peer's certificate."""
        from uvicorn.protocols.http.h11_impl import H11Protocol

        book = self

        class PeerAwareH11(H11Protocol):
            def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
                super().connection_made(transport)
                ssl_object = transport.get_extra_info("ssl_object")
                der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
                book.note(self.client, der)

            def connection_lost(self, exc: Exception | None) -> None:
                book.forget(self.client)
                super().connection_lost(exc)

        return PeerAwareH11
