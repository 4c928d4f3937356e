"""Which certificate each client authenticated with, for the evidence and the structure-certificate rule.

ASGI gives an application no view of the TLS session, so the mock DMP serves HTTP/1.1 with a
subclass of uvicorn's h11 protocol (uvicorn's documented `http=` protocol-class option) that notes
the peer certificate once the handshake is done (asyncio calls connection_made after it), keyed
by the client's address, which the request scope carries.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_PEERS = 4096


class PeerBook:
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

    def protocol(self) -> type[H11Protocol]:
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
