"""The mock DMP over HTTPS with mutual TLS: Starlette application served by uvicorn in a thread.

The server asks for a client certificate chained to the test IGC-Santé (the structure's ORG
certificate); a handshake without one fails. The certificate it presents depends on `variant`
("good", "rogue-ca", "expired"): an SNI callback swaps the TLS context per handshake, so the
transport scenarios need no second server. Every request and answer goes to the evidence journal.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.engine.evidence import DUI, HARNESS, EvidenceJournal
from conformance.formats import tls
from conformance.formats.pki import TestPKI
from conformance.formats.tls import PeerBook
from conformance.serving import PromptServer

from . import td02
from .gate import Answer, fault
from .query import StoredQuery
from .records import Exchange, ExchangeLog, load_records
from .registry import Registry
from .retrieve import Repository

log = logging.getLogger(__name__)
PATH = "/dmp/xdsb/ProvideAndRegisterDocumentSet-b"
QUERY_PATH = "/dmp/xdsb/RegistryStoredQuery"
RETRIEVE_PATH = "/dmp/xdsb/RetrieveDocumentSet"
HOST = "127.0.0.1"  # the one host name the mock DMP is reached by (its certificate names it)
ENDPOINTS = {
    PATH: "ITI-41 ProvideAndRegisterDocumentSet-b (POST, SOAP 1.2 with MTOM/XOP)",
    QUERY_PATH: "ITI-18 RegistryStoredQuery (POST, SOAP 1.2)",
    RETRIEVE_PATH: "ITI-43 RetrieveDocumentSet (POST, SOAP 1.2)",
    td02.PATH: "TD0.2 stand-in (GET ?identifier=<INS system>|<INS>)",
}
SOAP_TYPE = 'application/soap+xml; charset="UTF-8"'
MAX_BODY = 64 * 1024 * 1024
VARIANTS = ("good", "rogue-ca", "expired")


class DmpService:
    def __init__(self, journal: EvidenceJournal, pki: TestPKI, port: int = 0) -> None:
        self.journal = journal
        self.pki = pki
        self.records = load_records()
        trust = (str(pki.ca_bundle), str(pki.crl))
        self.lock = threading.RLock()  # the records, shared by the transactions served in worker threads
        self.registry = Registry(self.records, *trust, lock=self.lock)
        self.query = StoredQuery(self.records, *trust, lock=self.lock)
        self.repository = Repository(self.records, *trust, lock=self.lock)
        self.peers = PeerBook()
        self._handlers: dict[str, Callable[[str, bytes], Answer]] = {
            "ITI-41": self.registry.provide_and_register,
            "ITI-43": self.repository.answer,
            "ITI-18": self.query.answer,
        }
        self.log = ExchangeLog()
        self.variant = "good"
        self.td02_stale = False  # TD0.2 reports closed DMPs as active (they close between check and feed)
        ca, crl = str(pki.ca_bundle), str(pki.crl)
        self._contexts = {
            "good": tls.server_context(str(pki.server_cert), str(pki.server_key), ca, crl=crl),
            "rogue-ca": tls.server_context(str(pki.rogue_cert), str(pki.rogue_key), ca, crl=crl),
            "expired": tls.server_context(str(pki.expired_cert), str(pki.expired_key), ca, crl=crl),
        }
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = port  # 0: any free port

    # -- HTTP ------------------------------------------------------------------------------------

    async def _read(self, request: Request) -> tuple[bytes, str]:
        """The body, and what cut it short: "" (complete), "too-large" or "disconnected"."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return b"", "too-large"
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return bytes(body[:MAX_BODY]), "too-large"
        except ClientDisconnect:  # the client hung up mid-body: recorded as such, no ASGI traceback
            return bytes(body), "disconnected"
        return bytes(body), ""

    async def _soap(self, request: Request, transaction: str) -> Response:
        ctype = request.headers.get("content-type", "")
        body, cut = await self._read(request)
        handlers = self._handlers
        try:
            if cut == "too-large":
                answer = fault("Sender", f"request larger than {MAX_BODY} bytes", http_status=413)
            elif cut == "disconnected":
                answer = fault("Sender", f"client disconnected after {len(body)} bytes of the request")
            else:
                answer = await asyncio.to_thread(handlers[transaction], ctype, body)
        except Exception as exc:  # the mock must answer a fault, never a traceback; our own bug is logged
            log.error("mock DMP: %s failed on a %d-byte request", transaction, len(body), exc_info=exc)
            answer = fault("Receiver", f"mock DMP could not process the request: {type(exc).__name__}")
        self._record(transaction, request, ctype, body, answer)
        return Response(answer.body, status_code=answer.http_status, media_type=answer.content_type)

    async def _iti41(self, request: Request) -> Response:
        return await self._soap(request, "ITI-41")

    async def _iti18(self, request: Request) -> Response:
        return await self._soap(request, "ITI-18")

    async def _iti43(self, request: Request) -> Response:
        return await self._soap(request, "ITI-43")

    async def _td02(self, request: Request) -> Response:
        with self.lock:
            status, data = td02.answer(self.records, request.query_params.getlist("identifier"), stale=self.td02_stale)
        query = str(request.url.query).encode("utf-8")
        answer = Answer(status, data, "Success" if status == 200 else "Failure")
        self._record("TD0.2", request, "", query, answer)
        return Response(data, status_code=status, media_type="application/fhir+json")

    async def _other(self, request: Request) -> Response:
        """A browser or curl GET gets the list of endpoints (405 on a SOAP endpoint), a stray POST a fault."""
        if request.method == "GET":
            path = request.url.path
            lines = [f"Mock DMP (dui-conformance, TEST PKI). {path}: " + ENDPOINTS.get(path, "no endpoint here")]
            lines += ["Endpoints (mutual TLS, docs/dmp-contract.md):"] + [
                f"  {p}  {what}" for p, what in ENDPOINTS.items()
            ]
            status = 405 if path in ENDPOINTS else (200 if path == "/" else 404)
            headers = {"Allow": "POST"} if status == 405 else None
            return Response("\n".join(lines) + "\n", status_code=status, media_type="text/plain", headers=headers)
        answer = fault("Sender", f"no DMP endpoint at {request.url.path}")
        return Response(answer.body, status_code=404, media_type=SOAP_TYPE)

    def _record(self, transaction: str, request: Request, ctype: str, body: bytes, answer: Answer) -> None:
        errors = [e.to_json() for e in answer.errors]
        der = self.peers.certificate(request.client)
        stem = transaction.lower().replace("-", "").replace(".", "")
        req = self.journal.record(
            "dmp-request",
            f"{stem}-request.{'txt' if transaction == 'TD0.2' else 'mime'}",
            body,
            meta={
                "transaction": transaction,
                "path": request.url.path,
                "content_type": ctype,
                "variant": self.variant,
                "client_certificate_sha256": _sha256(der),
                "user_agent": request.headers.get("user-agent", "")[:300],
            },
            role=DUI,
        )
        resp = self.journal.record(
            "dmp-response",
            f"{stem}-response.{'json' if transaction == 'TD0.2' else 'xml'}",
            answer.body,
            meta={"status": answer.status, "errors": errors, "http_status": answer.http_status},
            role=HARNESS,
        )
        self.log.add(
            Exchange(
                req.seq,
                request.url.path,
                ctype,
                body,
                answer.body,
                answer.status,
                errors,
                der,
                req,
                resp,
                answer.documents,
                answer.envelope,
                transaction,
            )
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(PATH, self._iti41, methods=["POST"]),
                Route(QUERY_PATH, self._iti18, methods=["POST"]),
                Route(RETRIEVE_PATH, self._iti43, methods=["POST"]),
                Route(td02.PATH, self._td02, methods=["GET"]),
                Route("/{rest:path}", self._other, methods=["GET", "POST", "PUT"]),
            ]
        )

    # -- TLS variants ----------------------------------------------------------------------------

    def _sni(self, sslobj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        sslobj.context = self._contexts.get(self.variant, self._contexts["good"])

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}{PATH}"

    def settings(self) -> dict[str, Any]:
        p = self.pki
        base = f"https://{HOST}:{self.port}"
        return {
            "url": self.url,
            "query_url": base + QUERY_PATH,
            "retrieve_url": base + RETRIEVE_PATH,
            "td02_url": base + td02.PATH,
            "ca_bundle": str(p.ca_bundle),
            "crl": str(p.crl),
            "client_cert": str(p.client_cert),
            "client_key": str(p.client_key),
            "signing_cert": str(p.signing_cert),
            "signing_key": str(p.signing_key),
        }

    def start(self) -> None:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without
        # it every answer waits 40 ms (Nagle against the client's delayed ACK)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, self.port))
        self._sock = sock
        self.port = sock.getsockname()[1]
        p = self.pki
        config = uvicorn.Config(
            self.app(),
            ssl_certfile=str(p.server_cert),
            ssl_keyfile=str(p.server_key),
            ssl_ca_certs=str(p.ca_bundle),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
            http=self.peers.protocol(),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        config.load()
        assert config.ssl is not None
        # the handshake starts on uvicorn's context: versions and suites are fixed there, before SNI swaps
        # the certificate (OpenSSL keeps the first context's cipher list), so the policy goes on it too
        tls.check_revocation(tls.harden(config.ssl), str(p.crl))
        config.ssl.sni_callback = self._sni
        self._server = PromptServer(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="mock-dmp"
        )
        self._thread.start()
        for _ in range(200):
            if self._server.started:
                return
            self._thread.join(0.025)
        raise RuntimeError("mock DMP did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_soon()
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()


def _sha256(der: bytes | None) -> str:
    return hashlib.sha256(der).hexdigest() if der else ""
