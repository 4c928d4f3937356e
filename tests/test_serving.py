"""`serving.PromptServer`: the harness's uvicorn servers stop when asked, not on their next tick."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conformance import serving
from conformance.serving import PromptServer

OK = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


def serve(server: PromptServer, sock: socket.socket, *, wait: bool = True) -> threading.Thread:
    """`server` on `sock` in its own thread, as the harness runs its services (started, unless `wait` is off)."""
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    for _ in range(400 if wait else 0):
        if server.started:
            return thread
        thread.join(0.01)
    if wait:
        raise AssertionError("server did not start")
    return thread


@pytest.fixture
def running(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PromptServer, threading.Thread, int]]:
    """A started server answering "ok" on a loopback port: (server, its thread, the port). It would wake on its
    own only after 60 s: a test that sees its thread end within seconds saw it stop when asked."""
    monkeypatch.setattr(serving, "WAKE_EVERY", 60.0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = PromptServer(uvicorn.Config(OK, log_level="warning", lifespan="off", timeout_graceful_shutdown=1))
    yield server, serve(server, sock), sock.getsockname()[1]
    server.stop_soon()
    sock.close()


def test_a_server_asked_to_stop_stops_without_waiting_for_its_next_wake(
    running: tuple[PromptServer, threading.Thread, int],
) -> None:
    server, thread, port = running
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
        assert resp.read() == b"ok" and resp.headers["date"]  # uvicorn's Date header, refreshed on wake
    server.stop_soon()
    thread.join(10)
    assert not thread.is_alive()


def test_asking_before_the_loop_runs_or_twice_is_harmless() -> None:
    server = PromptServer(uvicorn.Config(Starlette(), log_level="warning", lifespan="off"))
    server.stop_soon()  # not started: it will stop on its first look
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = serve(server, sock, wait=False)
    thread.join(10)
    assert not thread.is_alive()
    server.stop_soon()  # its loop has ended
    sock.close()


def test_a_connection_left_open_is_closed_the_way_uvicorn_closes_it(
    running: tuple[PromptServer, threading.Thread, int],
) -> None:
    """With a keep-alive connection still open, the shutdown is uvicorn's (the connection asked to close)."""
    server, thread, port = running
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"ok"
    assert server.server_state.connections  # kept alive
    server.stop_soon()
    thread.join(10)
    assert not thread.is_alive() and not server.server_state.connections
    conn.close()
