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

from conformance.formats.mime import Part
from conformance.model import Artifact, CheckContext, Finding, failed, not_applicable, passed, warned
from conformance.registry import check

from .emailview import XDM_SUBJECT_PREFIX, EmailView, email_view, refused
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


@check("email", "mssante")
def check_read_receipt_request(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-02: Disposition-Notification-To, when present (or required), is the sender's own BAL."""
    rid = "MSS-ACK-02"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    loc = "header Disposition-Notification-To"
    dnt, problems = view.addresses("Disposition-Notification-To")
    if not dnt and not problems:
        if ctx.read_receipt:
            yield failed(
                rid,
                "a read receipt was requested but Disposition-Notification-To is missing",
                "un accusé de lecture était demandé mais Disposition-Notification-To est absent",
                loc,
            )
        else:
            yield not_applicable(rid, "no read receipt requested", "aucun accusé de lecture demandé", loc)
        return
    sender, _ = view.addresses("From")
    own = sender[0][1].lower() if len(sender) == 1 else None
    asked = [a.lower() for _, a in dnt]
    if problems or len(asked) != 1 or asked[0] != own:
        yield failed(
            rid,
            f"Disposition-Notification-To {asked} is not the sender's own address {own}",
            f"Disposition-Notification-To {asked} n'est pas l'adresse de l'émetteur {own}",
            loc,
        )
    else:
        yield passed(rid, f"read receipt requested to {own}", f"accusé de lecture demandé à {own}", loc)


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


@check("email", "mssante")
def check_mdn(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-04: an MDN carries Final-Recipient, Disposition and Original-Message-ID in its second part."""
    rid = "MSS-ACK-04"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    if not is_mdn(view):
        yield not_applicable(rid, "not an MDN", "pas un accusé de lecture (MDN)", "header Content-Type")
        return
    part = _report_part(view)
    if part is None or part.content_type != "message/disposition-notification":
        got = part.content_type if part else "nothing"
        yield failed(
            rid,
            f"second part is {got}, expected message/disposition-notification",
            f"la deuxième partie est {got}, message/disposition-notification attendu",
            part.label if part else "message",
        )
        return
    fields = mdn_fields(part)
    loc = part.label
    problems: list[tuple[str, str]] = []
    for name, pattern in (
        ("final-recipient", FINAL_RECIPIENT),
        ("disposition", DISPOSITION),
        ("original-message-id", MSG_ID),
    ):
        values = fields.get(name, [])
        if len(values) != 1:
            problems.append(
                (
                    f"{name} appears {len(values)} times, expected once",
                    f"{name} figure {len(values)} fois, une fois attendu",
                )
            )
        elif not pattern.match(values[0]):
            problems.append(
                (
                    f"{name} {values[0]!r} is not valid (RFC 8098)",
                    f"{name} {values[0]!r} n'est pas valide (RFC 8098)",
                )
            )
    original = ctx.extra.get("original_message_id")
    if original and fields.get("original-message-id", [""])[0] != original:
        problems.append(
            (
                f"Original-Message-ID does not name the original message {original}",
                f"Original-Message-ID ne désigne pas le message d'origine {original}",
            )
        )
    for en, fr in problems:
        yield failed(rid, en, fr, loc)
    if not fields.get("original-recipient"):
        yield warned(
            rid,
            "Original-Recipient is recommended by the volet and missing",
            "Original-Recipient, recommandé par le volet, est absent",
            loc,
        )
    if not problems:
        yield passed(
            rid,
            "MDN with Final-Recipient, Disposition and Original-Message-ID",
            "MDN avec Final-Recipient, Disposition et Original-Message-ID",
            loc,
        )


@check("email", "mssante")
def check_automatic_mdn(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-05: automatic-processing MDN: fixed Disposition values and the KO subject on error."""
    rid = "MSS-ACK-05"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    part = _report_part(view) if is_mdn(view) else None
    disposition = mdn_fields(part).get("disposition", [""])[0] if part is not None else ""
    if not disposition.lower().startswith("automatic-action"):
        yield not_applicable(
            rid,
            "not an automatic-processing MDN",
            "pas un accusé de traitement automatique",
            "header Content-Type",
        )
        return
    assert part is not None
    subject = unfold(view.header("Subject") or "")
    ko = AUTO_KO.match(disposition)
    if disposition != AUTO_OK and not ko:
        yield failed(
            rid,
            f"Disposition {disposition!r}, expected {AUTO_OK!r} or {AUTO_OK}/Error: <code>^<libellé>",
            f"Disposition {disposition!r}, {AUTO_OK!r} ou {AUTO_OK}/Error: <code>^<libellé> attendu",
            part.label,
        )
        return
    if ko:
        m = KO_SUBJECT.match(subject)
        if not m or m.group(1) != ko.group(1):
            yield failed(
                rid,
                f"subject {subject!r} is not [KO Intégration système !][{ko.group(1)}] XDM/1.0/DDM+...",
                f"l'objet {subject!r} n'est pas [KO Intégration système !][{ko.group(1)}] XDM/1.0/DDM+...",
                "header Subject",
            )
            return
    elif not subject.startswith(XDM_SUBJECT_PREFIX):
        yield failed(
            rid,
            f"subject {subject!r} does not start with {XDM_SUBJECT_PREFIX}",
            f"l'objet {subject!r} ne commence pas par {XDM_SUBJECT_PREFIX}",
            "header Subject",
        )
        return
    yield passed(rid, f"automatic MDN: {disposition}", f"accusé automatique : {disposition}", part.label)
