"""Serve any driver over the http driver protocol: the reference server side of that protocol.

Used by the tests (the demo DUI behind HTTP must pass exactly as in-process) and by vendors as a
worked example of what their DUI endpoint must answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conformance.drivers.base import Action, Driver

MAX_BODY = 16 * 1024 * 1024


def _handler(driver: Driver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _answer(self, code: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"status": "error", "detail": "body too large"})
                return
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._answer(400, {"status": "error", "detail": "invalid JSON"})
                return
            if self.path == "/configure":
                driver.configure(payload)
                self._answer(200, {"status": "ok"})
            elif self.path == "/act":
                outcome = driver.act(Action(str(payload.get("verb", "")), dict(payload.get("params") or {})))
                self._answer(200, outcome.to_json())
            else:
                self._answer(404, {"status": "error", "detail": f"unknown path {self.path}"})

    return Handler


class DriverBridge:
    def __init__(self, driver: Driver, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _handler(driver))
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="driver-bridge")

    def __enter__(self) -> DriverBridge:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
