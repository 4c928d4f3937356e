"""The stand-in e-prescription service on loopback: uvicorn in a thread, HTTPS with mutual TLS.

The server certificate is the test IGC-Santé one and the client must present a certificate of the
same test PKI (the ORG client certificate): a DUI that cannot do mutual TLS gets no answer at all.
Every exchange is written to the evidence journal: one JSON record, plus the posted body as a
"fhir" artifact the checks can run on.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from typing import Any

import uvicorn

from conformance.engine.evidence import OBSERVED, EvidenceJournal, EvidenceRef
from conformance.formats import tls
from conformance.formats.pki import TestPKI
from conformance.serving import PromptServer

from .app import MAX_BODY, Exchange, ServiceApp, Validator, engine_validator
from .store import NUMBER_SYSTEM, PrescriptionStore


class PrescriptionService:
    def __init__(
        self,
        journal: EvidenceJournal,
        pki: TestPKI,
        *,
        host: str = "127.0.0.1",
        port: int = 0,  # 0: any free port
        validator: Validator = engine_validator,
    ) -> None:
        self.journal = journal
        self.pki = pki
        self.host = host
        self.port = port
        self.store = PrescriptionStore()
        self.peers = tls.PeerBook()
        self.api = ServiceApp(self.store, self._record, lambda: self.base_url, validator, self.peers.certificate)
        self._lock = threading.Lock()
        self._exchanges: list[tuple[Exchange, EvidenceRef | None]] = []
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}/fhir"

    @property
    def policy(self) -> str:
        return self.api.policy

    @policy.setter
    def policy(self, value: str) -> None:
        if value not in ("strict", "record"):
            raise ValueError(value)
        self.api.policy = value

    def start(self, timeout: float = 10.0) -> None:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without
        # it every answer waits 40 ms (Nagle against the client's delayed ACK)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.api.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(self.pki.server_cert),
            ssl_keyfile=str(self.pki.server_key),
            ssl_ca_certs=str(self.pki.ca_bundle),
            ssl_cert_reqs=ssl.CERT_REQUIRED,
            ssl_ciphers=tls.TLS12_CIPHERS,
            http=self.peers.protocol(),
            timeout_keep_alive=2,
            limit_concurrency=32,
            h11_max_incomplete_event_size=64 * 1024,
        )
        config.load()
        assert config.ssl is not None
        # uvicorn sets the suites only: versions, options and revocation come from the one policy
        tls.check_revocation(tls.harden(config.ssl), str(self.pki.crl))
        server = PromptServer(config)
        self._server = server

        def run() -> None:
            asyncio.run(server.serve(sockets=[sock]))

        self._thread = threading.Thread(target=run, name="eprescription-service", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the e-prescription service did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.stop_soon()
        if self._thread is not None:
            self._thread.join(timeout)

    def settings(self) -> dict[str, Any]:
        """What a DUI must be configured with to use this service."""
        return {
            "base_url": self.base_url,
            "ca_bundle": str(self.pki.ca_bundle),
            "client_cert": str(self.pki.client_cert),
            "client_key": str(self.pki.client_key),
            "max_body": MAX_BODY,
            "number_system": NUMBER_SYSTEM,
        }

    # -- evidence ----------------------------------------------------------------------------------

    def _record(self, ex: Exchange) -> None:
        body_ref = None
        if ex.request_body:
            body_ref = self.journal.record(
                "fhir",
                f"{ex.method}-{ex.path}-request",
                ex.request_body,
                meta={"status": ex.status, "number": ex.number},
            )
        summary = {
            **ex.summary(),
            "request_sha256": body_ref.sha256 if body_ref else None,
            "response": ex.response_body.decode("utf-8", "replace")[:200_000],
        }
        self.journal.record_json("eprescription-exchange", f"{ex.method}-{ex.status}", summary, role=OBSERVED)
        with self._lock:
            self._exchanges.append((ex, body_ref))

    def mark(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def exchanges_since(self, mark: int) -> list[tuple[Exchange, EvidenceRef | None]]:
        with self._lock:
            return list(self._exchanges[mark:])
