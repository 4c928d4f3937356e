"""A tiny greeting service: accepts `POST /greetings` on loopback and records every body as evidence."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conformance.engine.evidence import EvidenceJournal, EvidenceRef
from conformance.engine.standalone import recording, wait_until_stopped

MAX_BODY = 64 * 1024


class GreetingService:
    def __init__(self, journal: EvidenceJournal, host: str = "127.0.0.1", port: int = 0) -> None:
        self.journal = journal
        self.received: list[tuple[bytes, EvidenceRef]] = []
        self._arrived = threading.Condition()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.url = f"http://{host}:{self.server.server_address[1]}/greetings"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="greeter")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                length = int(self.headers.get("Content-Length") or 0)
                if self.path != "/greetings" or length > MAX_BODY:
                    self.send_response(404 if self.path != "/greetings" else 413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                service.keep(body)
                self.send_response(201)
                self.end_headers()

        return Handler

    def keep(self, body: bytes) -> None:
        ref = self.journal.record("greeting", "greeting.txt", body)
        with self._arrived:
            self.received.append((body, ref))
            self._arrived.notify_all()

    def wait(self, since: int, timeout: float) -> list[tuple[bytes, EvidenceRef]]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) > since, timeout=timeout)
            return self.received[since:]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run(
    out_dir: Path,
    host: str,
    ports: Mapping[str, int],
    stop_event: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """`conformance serve --socle greeting`: serve until stopped."""
    with recording(out_dir) as (_pki, journal):
        service = GreetingService(journal, host, ports.get("http", 0))
        service.start()
        try:
            echo(f"Greeting service: POST {service.url}\n  evidence: {journal.root}\nStop with Ctrl-C.")
            wait_until_stopped(stop_event or threading.Event(), echo)
        finally:
            service.stop()
