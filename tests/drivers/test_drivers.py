"""Driver kinds and the guard: a DUI that crashes, hangs or answers nonsense fails clearly."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from conformance.drivers.base import Action, Driver, DriverError, Outcome
from conformance.drivers.bridge import DriverBridge
from conformance.drivers.guard import GuardedDriver
from conformance.drivers.http import HttpDriver
from conformance.drivers.registry import load


class EchoDriver(Driver):
    """A minimal driver used through every front: answers what it was asked."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}

    def configure(self, settings: dict[str, Any]) -> None:
        self.settings.update(settings)

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        if action.verb == "crash":
            raise RuntimeError("boom")
        if action.verb == "hang":
            threading.Event().wait(5)
        if action.verb == "junk":
            return "not an outcome"  # type: ignore[return-value]
        return Outcome("ok", {"verb": action.verb, "params": action.params, "configured": self.settings})


def test_guard_passes_answers_through() -> None:
    guarded = GuardedDriver(EchoDriver(), "echo")
    guarded.configure({"mssante": {"bal": "x"}})
    out = guarded.act(Action("mssante.receive", {"a": 1}))
    assert out.ok and out.data["params"] == {"a": 1} and out.data["configured"]["mssante"]["bal"] == "x"
    assert guarded.history[0]["action"]["verb"] == "mssante.receive"


def test_guard_turns_crash_into_driver_error() -> None:
    with pytest.raises(DriverError, match="crashed during 'crash': RuntimeError: boom"):
        GuardedDriver(EchoDriver(), "echo").act(Action("crash"))


def test_guard_turns_hang_into_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(DriverError, match="did not answer 'hang' within"):
        GuardedDriver(EchoDriver(), "echo").act(Action("hang"), timeout=0.2)
    assert time.monotonic() - started < 3


def test_guard_rejects_non_outcome() -> None:
    with pytest.raises(DriverError, match="returned str"):
        GuardedDriver(EchoDriver(), "echo").act(Action("junk"))


def test_http_driver_round_trip_through_bridge() -> None:
    inner = EchoDriver()
    with DriverBridge(inner) as bridge:
        driver = HttpDriver(bridge.url)
        driver.configure({"mssante": {"nil": "X"}})
        out = driver.act(Action("mssante.send_documents", {"to": ["a@b"]}))
    assert out.ok and out.data["params"] == {"to": ["a@b"]} and inner.settings == {"mssante": {"nil": "X"}}


def test_http_driver_unreachable_is_driver_error() -> None:
    with DriverBridge(EchoDriver()) as bridge:
        url = bridge.url
    with pytest.raises(DriverError, match="unreachable"):
        HttpDriver(url).act(Action("x"), timeout=2)


def test_outcome_with_invalid_status_is_refused() -> None:
    with pytest.raises(DriverError, match="invalid status"):
        Outcome.from_json({"status": "maybe"})


def test_python_spec_loads_class() -> None:
    driver = load(f"python:{__name__}:EchoDriver")
    assert isinstance(driver, EchoDriver)


@pytest.mark.parametrize("spec", ["python:nope", "python:no.such.module:X", f"python:{__name__}:Missing", "ftp://x"])
def test_bad_specs_are_clear_errors(spec: str) -> None:
    with pytest.raises(DriverError):
        load(spec)


class Impostor(BaseHTTPRequestHandler):
    """Something listening on the address that is not a driver bridge (or a bridge that says no)."""

    answers: ClassVar[dict[str, tuple[int, bytes]]] = {
        "/web/configure": (404, b"<html>not found</html>"),
        "/text/configure": (200, b"hello"),
        "/no/configure": (200, b'{"status": "error", "detail": "pas de section mssante"}'),
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/slow/configure":
            time.sleep(1.5)
        code, body = self.answers.get(self.path, (200, b'{"status": "ok"}'))
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/web", "dui-http-status"),
        ("/text", "dui-http-not-json"),
        ("/no", "dui-http-refused"),
        ("/slow", "dui-http-timeout"),
    ],
)
def test_the_handshake_names_what_answered(path: str, key: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DriverError) as caught:
            HttpDriver(f"http://127.0.0.1:{server.server_address[1]}{path}").hello({"socles": ["x"]}, timeout=0.5)
        assert caught.value.key == key
    finally:
        server.shutdown()
        server.server_close()


def test_the_handshake_is_a_configure_with_the_harness_section() -> None:
    inner = EchoDriver()
    with DriverBridge(inner) as bridge:
        HttpDriver(bridge.url).hello({"name": "dui-conformance", "socles": ["x"]})
    assert inner.settings == {"harness": {"name": "dui-conformance", "socles": ["x"]}}
