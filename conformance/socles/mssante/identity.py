"""Which software sent through the mock MSSanté operator, as the exchanges say: the X-Mailer and
User-Agent headers of the messages the DUI sent, and the structure named by its TLS client certificate."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from conformance.engine.evidence import DUI
from conformance.identity import SOFTWARE, STRUCTURE, IdentityFact, product

SOCLE = "mssante"
HEADERS = (("X-Mailer", "mail-x-mailer"), ("User-Agent", "mail-user-agent"))
HEAD_BYTES = 256 * 1024  # the header block of a message is far shorter


def _header_block(data: bytes) -> bytes:
    head = data[:HEAD_BYTES]
    for sep in (b"\r\n\r\n", b"\n\n"):
        if sep in head:
            return head.split(sep, 1)[0] + sep
    return head


def observed(entries: list[dict[str, Any]], read: Callable[[str], bytes | None]) -> list[IdentityFact]:
    found: list[IdentityFact] = []
    for entry in entries:
        kind = entry.get("kind")
        if kind == "message" and entry.get("role") == DUI:
            data = read(str(entry.get("path")))
            if not data:
                continue
            headers = BytesHeaderParser(policy=compat32).parsebytes(_header_block(data))
            for header, source in HEADERS:
                value = " ".join(str(headers.get(header) or "").split())
                if value:
                    name, version = product(value)
                    found.append(IdentityFact(SOCLE, source, SOFTWARE, name, version, "", value[:200]))
        elif kind in ("smtp-session", "imap-session"):
            data = read(str(entry.get("path")))
            try:
                cert = (json.loads(data) if data else {}).get("client_cert") or {}
            except ValueError:
                continue
            subject = str(cert.get("subject") or "")
            if subject:
                parts = dict(p.split("=", 1) for p in subject.split(",") if "=" in p)
                found.append(
                    IdentityFact(
                        SOCLE,
                        "tls-client-certificate",
                        STRUCTURE,
                        parts.get("O", subject),
                        "",
                        parts.get("OU", ""),
                        subject,
                    )
                )
    return list(dict.fromkeys(found))
