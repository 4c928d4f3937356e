"""What the SMTP and the IMAP listener share: their operator, where they listen, how long a client may
idle, and how long it may take to finish a TLS handshake.

Each protocol runs on its own event loop (asyncio for aiosmtpd, the Twisted reactor for IMAP); only
this configuration is common. `port` is the bound port once started (the requested one may be 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.socles.mssante.service.budget import SessionBudget

if TYPE_CHECKING:
    from conformance.socles.mssante.service.operator import Operator


class Listener:
    protocol = ""  # "smtp" | "imap": names its sessions

    def __init__(
        self,
        operator: Operator,
        host: str,
        port: int,
        *,
        idle_timeout: float,
        handshake_timeout: float,
        budget: SessionBudget,
    ) -> None:
        self.op = operator
        self.host = host
        self.requested_port = port
        self.port = 0
        self.idle_timeout = idle_timeout
        self.handshake_timeout = min(handshake_timeout, idle_timeout)
        self.budget = budget  # this protocol's own: SMTP and IMAP never share sessions

    def refused(self, peer: str, variant: str, reason: str) -> None:
        """Record a connection turned away before any command (operator down, budget exhausted)."""
        record = self.op.open_session(self.protocol, variant)
        record.peer = peer
        record.end_reason = reason
        self.op.close_session(record)
