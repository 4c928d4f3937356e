"""Reading incoming receipts: DSN (RFC 3464) and MDN (RFC 8098) reports, for correlation.

Both are `multipart/report` (RFC 6522). A DSN names the sent message by `Original-Envelope-Id`
(the ENVID the sender gave in MAIL FROM, RFC 3461) and reports one `Action` per recipient; an MDN
names it by `Original-Message-ID` and says what happened in `Disposition`. Both usually return the
original message or its headers as a third part, which is the fallback when an identifier is
missing. Field blocks are read by the `email` package (message/delivery-status is parsed into
blocks by it; message/disposition-notification into a header block).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import default

DELIVERED_ACTIONS = {"delivered", "relayed", "expanded"}


@dataclass
class Receipt:
    kind: str  # "delivered" | "failed" | "read" (what the DUI shows)
    report: str  # "dsn" | "mdn"
    detail: str
    original_message_id: str | None = None
    original_envelope_id: str | None = None
    recipient: str | None = None
    returned: dict[str, str] = field(default_factory=dict)  # Message-ID, Subject, Date of the returned original


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status or message/disposition-notification part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):
        return [
            HeaderParser(policy=default).parsestr(block)
            for block in payload.replace("\r\n", "\n").split("\n\n")
            if block.strip()
        ]
    return []


def _value(block: Message, name: str) -> str | None:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else None


def _address(value: str | None) -> str | None:
    """`rfc822;addr` -> addr."""
    if not value:
        return None
    return value.split(";", 1)[-1].strip() or None


def _returned(report: EmailMessage) -> dict[str, str]:
    for part in report.iter_parts():
        ctype = part.get_content_type()
        original: Message | None = None
        if ctype == "message/rfc822":
            payload = part.get_payload()
            first = payload[0] if isinstance(payload, list) and payload else None
            original = first if isinstance(first, Message) else None
        elif ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                original = BytesHeaderParser(policy=default).parsebytes(raw)
        if original is not None:
            return {
                k: " ".join(str(original.get(k, "")).split())
                for k in ("Message-ID", "Subject", "Date")
                if original.get(k) is not None
            }
    return {}


def _report_part(report: EmailMessage, ctype: str) -> Message | None:
    return next((p for p in report.iter_parts() if p.get_content_type() == ctype), None)


def parse_receipts(msg: EmailMessage) -> list[Receipt] | None:
    """The receipts a message carries; None when it is not a DSN or an MDN."""
    if msg.get_content_type() != "multipart/report":
        return None
    report_type = str(msg.get_param("report-type", "") or "").lower()
    returned = _returned(msg)
    if report_type == "delivery-status":
        part = _report_part(msg, "message/delivery-status")
        blocks = _blocks(part) if part is not None else []
        if not blocks:
            return []
        envid = _value(blocks[0], "Original-Envelope-Id")
        out = []
        for block in blocks[1:]:
            action = (_value(block, "Action") or "").lower()
            if action == "delayed":
                continue  # a delay is not an outcome yet
            detail = "; ".join(x for x in (action, _value(block, "Status"), _value(block, "Diagnostic-Code")) if x)
            out.append(
                Receipt(
                    "delivered" if action in DELIVERED_ACTIONS else "failed",
                    "dsn",
                    detail,
                    original_message_id=returned.get("Message-ID"),
                    original_envelope_id=envid,
                    recipient=_address(_value(block, "Final-Recipient")),
                    returned=returned,
                )
            )
        return out
    if report_type == "disposition-notification":
        part = _report_part(msg, "message/disposition-notification")
        blocks = _blocks(part) if part is not None else []
        fields = blocks[0] if blocks else Message()
        disposition = _value(fields, "Disposition") or ""
        kind_text = disposition.split(";", 1)[-1].strip().lower()
        failed = "error" in kind_text or kind_text.startswith(("deleted", "failed"))
        return [
            Receipt(
                "failed" if failed else "read",
                "mdn",
                disposition,
                original_message_id=_value(fields, "Original-Message-ID") or returned.get("Message-ID"),
                recipient=_address(_value(fields, "Final-Recipient")),
                returned=returned,
            )
        ]
    return []
