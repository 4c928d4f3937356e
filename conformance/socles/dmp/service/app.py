"""The mock DMP over HTTPS with mutual TLS: Starlette application served by uvicorn in a thread.

The server asks for a client certificate chained to the test IGC-Santé (the structure's ORG
certificate); a handshake without one fails. The certificate it presents depends on `variant`
("good", "rogue-ca", "expired"): an SNI callback swaps the TLS context per handshake, so the
transport scenarios need no second server. Every request and answer goes to the evidence journal.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.evidence import EvidenceJournal
from conformance.pki import TestPKI

from .records import Exchange, ExchangeLog, load_records
from .registry import Answer, Registry, fault

PATH = "/dmp/xdsb/ProvideAndRegisterDocumentSet-b"
MAX_BODY = 64 * 1024 * 1024
VARIANTS = ("good", "rogue-ca", "expired")


def _context(cert: str, key: str, ca: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class DmpService:
    def __init__(self, journal: EvidenceJournal, pki: TestPKI) -> None:
        self.journal = journal
        self.pki = pki
        self.records = load_records()
        self.registry = Registry(self.records, str(pki.ca_bundle))
        self.log = ExchangeLog()
        self.variant = "good"
        ca = str(pki.ca_bundle)
        self._contexts = {
            "good": _context(str(pki.server_cert), str(pki.server_key), ca),
            "rogue-ca": _context(str(pki.rogue_cert), str(pki.rogue_key), ca),
            "expired": _context(str(pki.expired_cert), str(pki.expired_key), ca),
        }
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    # -- HTTP ------------------------------------------------------------------------------------

    async def _iti41(self, request: Request) -> Response:
        ctype = request.headers.get("content-type", "")
        body = b""
        too_big = False
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                too_big = True
                break
        try:
            answer = (fault("Sender", f"request larger than {MAX_BODY} bytes") if too_big
                      else await asyncio.to_thread(self.registry.provide_and_register, ctype, body))
        except Exception as exc:  # the mock must answer a fault, never a traceback
            answer = fault("Receiver", f"mock DMP could not process the request: {type(exc).__name__}")
        self._record(ctype, body, answer)
        return Response(answer.body, status_code=answer.http_status,
                        media_type='application/soap+xml; charset="UTF-8"')

    async def _other(self, request: Request) -> Response:
        answer = fault("Sender", f"no ITI-41 endpoint at {request.url.path}")
        return Response(answer.body, status_code=404, media_type='application/soap+xml; charset="UTF-8"')

    def _record(self, ctype: str, body: bytes, answer: Answer) -> None:
        errors = [e.to_json() for e in answer.errors]
        req = self.journal.record("dmp-request", "iti41-request.mime", body,
                                  meta={"content_type": ctype, "variant": self.variant})
        resp = self.journal.record("dmp-response", "iti41-response.xml", answer.body,
                                   meta={"status": answer.status, "errors": errors})
        self.log.add(Exchange(req.seq, PATH, ctype, body, answer.body, answer.status, errors, True, req, resp,
                              answer.documents, answer.envelope))

    def app(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self._iti41, methods=["POST"]),
                                 Route("/{rest:path}", self._other, methods=["GET", "POST", "PUT"])])

    # -- TLS variants ----------------------------------------------------------------------------

    def _sni(self, sslobj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        sslobj.context = self._contexts.get(self.variant, self._contexts["good"])

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}{PATH}"

    def settings(self) -> dict[str, Any]:
        p = self.pki
        return {"url": self.url, "ca_bundle": str(p.ca_bundle), "crl": str(p.crl),
                "client_cert": str(p.client_cert), "client_key": str(p.client_key),
                "signing_cert": str(p.signing_cert), "signing_key": str(p.signing_key)}

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        self.port = sock.getsockname()[1]
        p = self.pki
        config = uvicorn.Config(self.app(), ssl_certfile=str(p.server_cert), ssl_keyfile=str(p.server_key),
                                ssl_ca_certs=str(p.ca_bundle), ssl_cert_reqs=ssl.CERT_REQUIRED,
                                log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
        config.load()
        assert config.ssl is not None
        config.ssl.sni_callback = self._sni
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="mock-dmp")
        self._thread.start()
        for _ in range(200):
            if self._server.started:
                return
            self._thread.join(0.025)
        raise RuntimeError("mock DMP did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()
