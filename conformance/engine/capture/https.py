"""A recording HTTPS reverse proxy: the DUI's leg and the platform's leg, two TLS sessions, bytes untouched.

The DUI's leg is served like the mock services: uvicorn + Starlette on loopback, the harness's test
IGC-Santé certificate, the DUI's certificate required and verified against the harness's test CAs.
For each request the relay opens its own mutual-TLS connection to the platform (`http.client` with
the profile's CA, host name and the vendor's certificate: `probe.client_context`), sends the DUI's
body byte for byte with its headers (minus the hop-by-hop ones), and gives the DUI the platform's
status, headers and body byte for byte (a `Location` pointing at the platform is pointed back at the
relay: the DUI cannot reach the platform directly, it does not trust its CA). The VIHF and the XAdES
the DUI signed therefore reach the platform unchanged.

Every exchange goes to the socle's `record` callback as a `Relayed`: both directions, the DUI's
certificate, the platform's endpoint and certificate fingerprint, and what went wrong upstream when
something did (unreachable, closed mid-exchange, not HTTP): the DUI then gets a 502 that says so.

`variant` swaps the certificate the DUI's leg presents ("rogue-ca", "expired"), as the mocks do, so
the DUI's own TLS checks are judged in a sandbox too: that leg is the harness's.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from conformance.engine.capture.probe import check_pin, client_context, fingerprint
from conformance.engine.capture.profile import SandboxError, Upstream
from conformance.formats.pki import TestPKI
from conformance.serving import PromptServer

MAX_BODY = 64 * 1024 * 1024
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers"}
    | {"transfer-encoding", "upgrade", "host", "content-length"}
)
VARIANTS = ("good", "rogue-ca", "expired")


@dataclass
class Relayed:
    """One exchange through the relay, as both legs saw it."""

    method: str
    target: str  # path and query, as the DUI sent them (the same on the platform's leg, below its base path)
    request_headers: list[tuple[str, str]]
    request: bytes
    client_cert: bytes | None  # the DUI's certificate (DER) on its leg
    upstream: str  # the platform's endpoint the request went to
    upstream_cert_sha256: str = ""
    relay_cert_sha256: str = ""  # the certificate the relay authenticated with on the platform's leg
    status: int = 0  # the platform's HTTP status (0: no answer)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response: bytes = b""
    error: str = ""  # why the platform gave no usable answer ("" when it answered)
    variant: str = "good"
    seconds: float = 0.0  # time spent on the platform's leg

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str, response: bool = False) -> str:
        pairs = self.response_headers if response else self.request_headers
        return next((v for k, v in pairs if k.lower() == name.lower()), "")

    @property
    def content_type(self) -> str:
        return self.header("content-type")

    def meta(self) -> dict[str, Any]:
        """What the evidence journal keeps beside the bytes: both legs, never a credential."""
        return {
            "leg": "dui>relay>platform",
            "method": self.method,
            "target": self.target,
            "content_type": self.content_type,
            "variant": self.variant,
            "dui_certificate_sha256": fingerprint(self.client_cert),
            "upstream": self.upstream,
            "upstream_certificate_sha256": self.upstream_cert_sha256,
            "relay_certificate_sha256": self.relay_cert_sha256,
            "upstream_status": self.status,
            "upstream_error": self.error,
            "upstream_seconds": round(self.seconds, 4),
        }


def _server_context(cert: str, key: str, ca: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class _PeerState(H11Protocol):
    """uvicorn's h11 protocol, with the DUI's certificate in each request's `state` (ASGI gives none)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.app_state = {**self.app_state, "tls_peer_der": der}  # the connection's own copy
        super().connection_made(transport)


class _PlatformConnection(http.client.HTTPSConnection):
    """A connection to the upstream's address that checks, and sends as Host, the profile's server name."""

    def __init__(self, up: Upstream, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(up.server_name, up.port, context=context, timeout=timeout)
        self.address = (up.host, up.port)
        self.tls = context

    def connect(self) -> None:
        raw = socket.create_connection(self.address, self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class HttpsRelay:
    """One DUI-facing HTTPS listener in front of one upstream; `record` gets every exchange."""

    def __init__(
        self,
        upstream: Upstream,
        pki: TestPKI,
        record: Callable[[Relayed], None],
        *,
        timeout: float = 60.0,
        max_body: int = MAX_BODY,
        port: int = 0,  # 0: any free port; the mock's fixed port when the DUI wants fixed ports
    ) -> None:
        self.upstream = upstream
        self.pki = pki
        self.record = record
        self.timeout = timeout
        self.max_body = max_body
        self.variant = "good"
        self.port = port
        ca = str(pki.ca_bundle)
        self._contexts = {
            "good": _server_context(str(pki.server_cert), str(pki.server_key), ca),
            "rogue-ca": _server_context(str(pki.rogue_cert), str(pki.rogue_key), ca),
            "expired": _server_context(str(pki.expired_cert), str(pki.expired_key), ca),
        }
        self._upstream_ctx = client_context(upstream)
        self._relay_cert = str(upstream.public()["client_certificate_sha256"] or "")
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def url_for(self, upstream_url: str) -> str:
        """The relay's URL for a URL of the platform (same path below the platform's base)."""
        up = self.upstream
        for host in dict.fromkeys((up.server_name, up.host)):
            for origin in (f"https://{host}:{up.port}", f"https://{host}" if up.port == 443 else ""):
                prefix = origin + up.path
                if origin and (upstream_url == prefix or upstream_url.startswith(prefix + "/")):
                    return self.origin + upstream_url[len(prefix) :]
        return upstream_url

    # -- the DUI's leg ------------------------------------------------------------------------------

    async def _read(self, request: Request) -> bytes | None:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body:
                return None
        return bytes(body)

    async def _relay(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
        body = await self._read(request)
        ex = Relayed(
            request.method,
            target,
            headers,
            body or b"",
            request.state.tls_peer_der if hasattr(request.state, "tls_peer_der") else None,
            self.upstream.endpoint,
            relay_cert_sha256=self._relay_cert,
            variant=self.variant,
        )
        if body is None:
            ex.error = f"request larger than {self.max_body} bytes: not relayed"
            self.record(ex)
            return Response(ex.error, status_code=413, media_type="text/plain; charset=utf-8")
        await asyncio.to_thread(self._forward, ex)
        self.record(ex)
        if ex.error:
            text = f"dui-conformance relay: the platform {self.upstream.endpoint} failed: {ex.error}"
            return Response(text, status_code=502, media_type="text/plain; charset=utf-8")
        kept = [(k, self._back(k, v)) for k, v in ex.response_headers if k.lower() not in HOP_BY_HOP]
        response = Response(ex.response, status_code=ex.status)
        response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in kept] + [
            (b"content-length", str(len(ex.response)).encode())
        ]
        return response

    def _back(self, name: str, value: str) -> str:
        return self.url_for(value) if name.lower() in ("location", "content-location") else value

    # -- the platform's leg -------------------------------------------------------------------------

    def _forward(self, ex: Relayed) -> None:
        up = self.upstream
        conn = _PlatformConnection(up, self._upstream_ctx, self.timeout)
        started = time.perf_counter()
        try:
            conn.connect()
            if isinstance(conn.sock, ssl.SSLSocket):
                ex.upstream_cert_sha256 = check_pin(up, conn.sock.getpeercert(binary_form=True))
            headers = {k: v for k, v in ex.request_headers if k.lower() not in HOP_BY_HOP}
            conn.request(ex.method, up.path + ex.target, body=ex.request, headers=headers)
            resp = conn.getresponse()
            ex.status = resp.status
            ex.response_headers = list(resp.getheaders())
            ex.response = resp.read(self.max_body + 1)
            if len(ex.response) > self.max_body:
                ex.error = f"answer larger than {self.max_body} bytes"
            elif resp.length:  # the platform announced more than it sent before closing
                raise http.client.IncompleteRead(ex.response, resp.length)
        except SandboxError as exc:
            ex.error = str(exc)
        except ssl.SSLCertVerificationError as exc:
            ex.error = f"certificate not accepted ({exc.verify_message or exc.reason})"
        except http.client.RemoteDisconnected as exc:
            ex.error = f"connection closed before any answer ({exc})"
        except http.client.IncompleteRead as exc:
            ex.status, ex.error = 0, f"connection closed in the middle of the answer ({len(exc.partial)} bytes read)"
            ex.response = bytes(exc.partial)
        except http.client.HTTPException as exc:
            ex.status, ex.error = 0, f"answer is not HTTP ({type(exc).__name__}: {str(exc)[:200]})"
        except (OSError, ssl.SSLError) as exc:
            ex.error = f"unreachable or connection broken ({exc})"
        finally:
            ex.seconds = time.perf_counter() - started
            conn.close()

    # -- life ---------------------------------------------------------------------------------------

    def _sni(self, sslobj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        sslobj.context = self._contexts.get(self.variant, self._contexts["good"])

    def start(self, timeout: float = 10.0) -> None:
        # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say TCP (else 40 ms per answer)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
        app = Starlette(routes=[Route("/{rest:path}", self._relay, methods=methods)])
        config = uvicorn.Config(
            app,
            ssl_certfile=str(self.pki.server_cert),
            ssl_keyfile=str(self.pki.server_key),
            ssl_ca_certs=str(self.pki.ca_bundle),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
            http=_PeerState,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        config.load()
        assert config.ssl is not None
        config.ssl.sni_callback = self._sni
        server = PromptServer(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="relay")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the relay to {self.upstream.endpoint} did not start")
            self._thread.join(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_soon()
        if self._thread is not None:
            self._thread.join(5)
