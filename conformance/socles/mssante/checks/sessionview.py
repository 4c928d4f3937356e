"""An SMTP or IMAP session record as the mock operator wrote it, read defensively.

The record (artifact kind `smtp-session` / `imap-session`) is JSON the operator writes, but in
artifact mode it may be any file: every field is type-checked on access, and a record that is too
large, not JSON or not of this schema is refused by its reader (readers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext

SCHEMA = "dui-conformance/mssante-session/1"
MAX_RECORD = 5 * 1024 * 1024
CLOSING = {"QUIT", "LOGOUT"}


class Session:
    """Defensive view of a session record (it may come from a file in artifact mode)."""

    def __init__(self, data: dict[str, Any], ctx: CheckContext) -> None:
        self.data = data
        self.id = str(data.get("id") or f"{data.get('protocol', '?')}-session")
        self.variant = str(data.get("variant") or ctx.extra.get("variant") or "good")
        self.tls_version = data.get("tls_version") if isinstance(data.get("tls_version"), str) else None
        self.cipher = str(data.get("cipher") or "")
        self.tls_error = str(data.get("tls_error") or "")
        self.commands = [c for c in list_of(data.get("commands")) if isinstance(c, dict)]
        self.transactions = [t for t in list_of(data.get("transactions")) if isinstance(t, dict)]

    def where(self, index: int | None = None) -> str:
        """'smtp-session#3 command 4 (MAIL FROM)': the place of a finding."""
        if not index or index > len(self.commands):
            return self.id
        cmd = self.commands[index - 1]
        verb = str(cmd.get("verb", "?"))
        args = str(cmd.get("args", ""))
        if verb in ("MAIL", "RCPT"):
            verb += " " + args.split(":", 1)[0].upper() if ":" in args else ""
        return f"{self.id} command {index} ({verb})"

    def numbered(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return enumerate(self.commands, start=1)

    def continued(self) -> tuple[int, dict[str, Any]] | None:
        """The first command after the handshake other than closing ones."""
        return next(
            ((i, c) for i, c in self.numbered() if c.get("in_clear") is False and str(c.get("verb")) not in CLOSING),
            None,
        )

    def rcpts(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for txn in self.transactions:
            for rcpt in list_of(txn.get("rcpts")):
                if isinstance(rcpt, dict):
                    yield txn, rcpt


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dict_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
