"""What the SMTP and the IMAP listener share: their operator, where they listen, how long a client may idle.

Each protocol runs on its own event loop (asyncio for aiosmtpd, the Twisted reactor for IMAP); only
this configuration is common. `port` is the bound port once started (the requested one may be 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.socles.mssante.service.operator import Operator


class Listener:
    def __init__(self, operator: Operator, host: str, port: int, *, idle_timeout: float) -> None:
        self.op = operator
        self.host = host
        self.requested_port = port
        self.port = 0
        self.idle_timeout = idle_timeout
