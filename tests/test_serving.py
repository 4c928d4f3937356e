"""`serving.PromptServer`: the harness's uvicorn servers stop when asked, not on their next tick."""

from __future__ import annotations

import asyncio
import socket
import threading
import urllib.request

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conformance import serving
from conformance.serving import PromptServer


def serve(server: PromptServer, sock: socket.socket) -> threading.Thread:
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            return thread
        thread.join(0.01)
    raise AssertionError("server did not start")


def test_a_server_asked_to_stop_stops_without_waiting_for_its_next_wake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "WAKE_EVERY", 60.0)  # were it left to its own wake, the join below would time out
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = PromptServer(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1))
    thread = serve(server, sock)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
        assert resp.read() == b"ok" and resp.headers["date"]  # uvicorn's Date header, refreshed on wake
    server.stop_soon()
    thread.join(10)
    assert not thread.is_alive()
    sock.close()


def test_asking_before_the_loop_runs_or_twice_is_harmless() -> None:
    server = PromptServer(uvicorn.Config(Starlette(), log_level="warning", lifespan="off"))
    server.stop_soon()  # not started: it will stop on its first look
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    server.stop_soon()  # its loop has ended
    sock.close()


def test_a_connection_left_open_is_closed_the_way_uvicorn_closes_it() -> None:
    """With a keep-alive connection still open, the shutdown is uvicorn's (the connection asked to close)."""
    import http.client

    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = PromptServer(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1))
    thread = serve(server, sock)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"ok"
    assert server.server_state.connections  # kept alive
    server.stop_soon()
    thread.join(10)
    assert not thread.is_alive() and not server.server_state.connections
    conn.close()
    sock.close()
