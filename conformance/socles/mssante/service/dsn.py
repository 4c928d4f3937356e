"""Delivery status notifications the operator returns when a DUI asks for them (RFC 3461 / RFC 3464).

The DUI requests a delivery receipt with `RCPT ... NOTIFY=SUCCESS,FAILURE` (plus optional
`MAIL ... RET=HDRS ENVID=...`); on delivery the operator puts a `multipart/report;
report-type=delivery-status` message in the sender's mailbox, which the DUI must correlate to
what it sent (Original-Envelope-Id, Original-Recipient, the returned headers). Built with the
`email` package, whose generator knows `message/delivery-status`.
"""

from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
_NOTIFY = {"SUCCESS", "FAILURE", "DELAY"}


def xtext_decode(value: str) -> str:
    """RFC 3461 §4: '+HH' stands for the octet HH."""
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)


def dsn_problem(keyword: str, value: str) -> str | None:
    """Why an RFC 3461 parameter value is malformed, or None."""
    if keyword == "RET":
        return None if value.upper() in ("FULL", "HDRS") else "RET must be FULL or HDRS"
    if keyword == "ENVID":
        return None if 0 < len(value) <= 100 and value.isprintable() else "ENVID must be 1-100 printable characters"
    if keyword == "NOTIFY":
        items = [v.strip().upper() for v in value.split(",")]
        if items == ["NEVER"] or (items and set(items) <= _NOTIFY and len(set(items)) == len(items)):
            return None
        return "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"
    if keyword == "ORCPT":
        kind, sep, addr = value.partition(";")
        return None if sep and kind and addr else "ORCPT must be addr-type;xtext"
    return None


def notify_values(params: dict[str, str]) -> set[str]:
    return {v.strip().upper() for v in params.get("NOTIFY", "").split(",") if v.strip()}


def _headers_only(original: bytes) -> str:
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = original.find(sep)
        if at >= 0:
            original = original[:at]
            break
    return original.decode("ascii", errors="replace").replace("\r\n", "\n") + "\n"


def delivery_report(
    *,
    reporting_mta: str,
    postmaster: str,
    mail_from: str,
    original: bytes,
    mail_params: dict[str, str],
    delivered: list[tuple[str, dict[str, str]]],
    arrival: dt.datetime | None = None,
) -> bytes:
    """A success DSN for `delivered` recipients (address, RCPT params), returned to `mail_from`."""
    arrival = arrival or dt.datetime.now(dt.UTC)
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Mail Delivery System <{postmaster}>"
    report["To"] = mail_from
    report["Subject"] = "Delivery Status Notification (Success)"
    report["Date"] = format_datetime(arrival)
    report["Message-ID"] = make_msgid(domain=reporting_mta)
    report["Auto-Submitted"] = "auto-replied"
    listing = "\n".join(f"  <{addr}>" for addr, _ in delivered)
    report.attach(
        MIMEText(
            f"Your message was delivered to:\n{listing}\n\nVotre message a été distribué à :\n{listing}\n",
            "plain",
            "utf-8",
        )
    )

    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {reporting_mta}"
    if mail_params.get("ENVID"):
        per_message["Original-Envelope-Id"] = xtext_decode(mail_params["ENVID"])
    per_message["Arrival-Date"] = format_datetime(arrival)
    blocks: list[Message | str] = [per_message]
    for addr, params in delivered:
        block = Message()
        if params.get("ORCPT"):
            kind, _, value = params["ORCPT"].partition(";")
            block["Original-Recipient"] = f"{kind}; {xtext_decode(value)}"
        block["Final-Recipient"] = f"rfc822; {addr}"
        block["Action"] = "delivered"
        block["Status"] = "2.0.0"
        block["Last-Attempt-Date"] = format_datetime(arrival)
        blocks.append(block)
    status = MIMEBase("message", "delivery-status")
    status.set_payload(blocks)  # the generator writes one block per Message
    report.attach(status)

    if mail_params.get("RET", "").upper() == "FULL":
        from email import message_from_bytes

        returned: Message = MIMEBase("message", "rfc822")
        returned.set_payload([message_from_bytes(original)])
    else:
        returned = MIMENonMultipart("text", "rfc822-headers")
        returned.set_payload(_headers_only(original))
    report.attach(returned)
    return report.as_bytes(policy=policy.SMTP)
