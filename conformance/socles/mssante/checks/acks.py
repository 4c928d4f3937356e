"""MSS-ACK-02, -04, -05: read receipts asked for and returned (RFC 8098, LPS-MSS volet struct-msg-mdn).

A read receipt is requested with `Disposition-Notification-To: <own BAL>`; an MDN is
`multipart/report; report-type=disposition-notification` whose second part holds the
machine-readable fields; an MDN sent by automatic integration uses the volet's fixed
Disposition values and its KO subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import HeaderParser

from conformance import messages
from conformance.formats.mime import Part
from conformance.messages import Text
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .emailview import XDM_SUBJECT_PREFIX, EmailView
from .message import MSG_ID, unfold

DISPOSITION = re.compile(
    r"^(manual-action|automatic-action)\s*/\s*(MDN-sent-manually|MDN-sent-automatically)\s*;\s*"
    r"(displayed|deleted|dispatched|processed)\s*(?:/\s*(.+))?$",
    re.IGNORECASE,
)
AUTO_OK = "automatic-action/MDN-sent-automatically; processed"
AUTO_KO = re.compile(r"^automatic-action/MDN-sent-automatically; processed/Error: (\d+)\^(\S.*)$")
KO_SUBJECT = re.compile(r"^\[KO Intégration système !\]\[(\d+)\] XDM/1\.0/DDM\+\S")
FINAL_RECIPIENT = re.compile(r"^[A-Za-z0-9-]+\s*;\s*\S+$")


@check("email", "mssante", "MSS-ACK-02")
def check_read_receipt_request(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-02: Disposition-Notification-To, when present (or required), is the sender's own BAL."""
    rid = "MSS-ACK-02"
    loc = "header Disposition-Notification-To"
    dnt, problems = view.addresses("Disposition-Notification-To")
    if not dnt and not problems:
        if ctx.read_receipt:
            yield M.fail(rid, "ack.dnt-missing", loc)
        else:
            yield M.not_applicable(rid, "ack.no-receipt-requested", loc)
        return
    sender, _ = view.addresses("From")
    own = sender[0][1].lower() if len(sender) == 1 else None
    asked = [a.lower() for _, a in dnt]
    if problems or len(asked) != 1 or asked[0] != own:
        yield M.fail(rid, "ack.dnt-not-sender", loc, asked=asked, own=own)
    else:
        yield M.passed(rid, "ack.dnt-ok", loc, own=own)


def is_mdn(view: EmailView) -> bool:
    root = view.parsed.parts[0] if view.parsed.parts else None
    if root is None or root.content_type != "multipart/report":
        return False
    report_type = root.msg.get_param("report-type", header="content-type")
    return isinstance(report_type, str) and report_type.lower() == "disposition-notification"


def mdn_fields(part: Part) -> dict[str, list[str]]:
    """The fields of a message/disposition-notification part, whatever way the parser kept them."""
    payload = part.msg.get_payload()
    items: list[tuple[str, str]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, EmailMessage):
                items += [(k, str(v)) for k, v in block.raw_items()]
    elif isinstance(payload, str):
        items = [(k, str(v)) for k, v in HeaderParser().parsestr(payload).items()]
    out: dict[str, list[str]] = {}
    for k, v in items:
        out.setdefault(k.lower(), []).append(unfold(v))
    return out


def _report_part(view: EmailView) -> Part | None:
    kids = [p for p in view.parsed.parts if p.path.isdigit()]
    return kids[1] if len(kids) > 1 else None


@check("email", "mssante", "MSS-ACK-04")
def check_mdn(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-04: an MDN carries Final-Recipient, Disposition and Original-Message-ID in its second part."""
    rid = "MSS-ACK-04"
    if not is_mdn(view):
        yield M.not_applicable(rid, "mdn.not-an-mdn", "header Content-Type")
        return
    part = _report_part(view)
    if part is None or part.content_type != "message/disposition-notification":
        got = part.content_type if part else "nothing"
        yield M.fail(rid, "mdn.second-part", part.label if part else "message", got=got)
        return
    fields = mdn_fields(part)
    loc = part.label
    problems: list[Text] = []
    for name, pattern in (
        ("final-recipient", FINAL_RECIPIENT),
        ("disposition", DISPOSITION),
        ("original-message-id", MSG_ID),
    ):
        values = fields.get(name, [])
        if len(values) != 1:
            problems.append(M.text("mdn.field-count", name=name, count=len(values)))
        elif not pattern.match(values[0]):
            problems.append(M.text("mdn.field-invalid", name=name, value=values[0]))
    original = ctx.extra.get("original_message_id")
    if original and fields.get("original-message-id", [""])[0] != original:
        problems.append(M.text("mdn.original-id", original=original))
    for text in problems:
        yield messages.finding(rid, Verdict.FAIL, text, loc)
    if not fields.get("original-recipient"):
        yield M.warn(rid, "mdn.original-recipient", loc)
    if not problems:
        yield M.passed(rid, "mdn.ok", loc)


@check("email", "mssante", "MSS-ACK-05")
def check_automatic_mdn(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-05: automatic-processing MDN: fixed Disposition values and the KO subject on error."""
    rid = "MSS-ACK-05"
    part = _report_part(view) if is_mdn(view) else None
    disposition = mdn_fields(part).get("disposition", [""])[0] if part is not None else ""
    if not disposition.lower().startswith("automatic-action"):
        yield M.not_applicable(rid, "mdn.not-automatic", "header Content-Type")
        return
    assert part is not None
    subject = unfold(view.header("Subject") or "")
    ko = AUTO_KO.match(disposition)
    if disposition != AUTO_OK and not ko:
        yield M.fail(rid, "mdn.auto-disposition", part.label, disposition=disposition, ok=AUTO_OK)
        return
    if ko:
        m = KO_SUBJECT.match(subject)
        if not m or m.group(1) != ko.group(1):
            yield M.fail(rid, "mdn.ko-subject", "header Subject", subject=subject, code=ko.group(1))
            return
    elif not subject.startswith(XDM_SUBJECT_PREFIX):
        yield M.fail(rid, "mdn.auto-subject-prefix", "header Subject", subject=subject, prefix=XDM_SUBJECT_PREFIX)
        return
    yield M.passed(rid, "mdn.auto-ok", part.label, disposition=disposition)
