"""Message Disposition Notifications (RFC 8098), as the LPS-MSS volet uses them (struct-msg-mdn.md).

An MDN is `multipart/report; report-type=disposition-notification`: a human-readable UTF-8 part,
a `message/disposition-notification` part with Reporting-UA, Original-Recipient, Final-Recipient,
Original-Message-ID and Disposition, then the original message (its headers for a read receipt,
the whole message for an automatic processing notification, as the volet shows). Automatic
notifications of the volet use `automatic-action/MDN-sent-automatically; processed` or
`...; processed/Error: <code>^<libellé>` with the subject
`[KO Intégration système !][<code>] <original subject>`.
"""

from __future__ import annotations

import unicodedata
from email.message import EmailMessage

from .inputs import Bal, BuildEnv, Deviations
from .message import BuiltMessage, _start, body_part, mixed

MANUAL_DISPLAYED = "manual-action/MDN-sent-manually; displayed"
AUTOMATIC_PROCESSED = "automatic-action/MDN-sent-automatically; processed"


def automatic_disposition(error: tuple[str, str] | None) -> str:
    return AUTOMATIC_PROCESSED if error is None else f"{AUTOMATIC_PROCESSED}/Error: {error[0]}^{error[1]}"


def _ascii(text: str) -> str:
    """message/disposition-notification fields are ASCII (RFC 8098; UTF-8 needs the "global" type)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _original_headers(original: EmailMessage) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in original.raw_items())


def build_mdn(
    reporter: Bal,
    original: EmailMessage,
    *,
    to: str,
    disposition: str,
    nil: str,
    product: str,
    env: BuildEnv,
    deviations: Deviations,
    error: tuple[str, str] | None = None,
    whole_original: bool = False,
) -> BuiltMessage:
    """The MDN `reporter` returns to `to` (the original's Disposition-Notification-To)."""
    subject = str(original.get("Subject", ""))
    if error is not None:
        subject = f"[KO Intégration système !][{error[0]}] {subject}"
    elif not disposition.startswith("automatic-action"):
        subject = f"Accusé de lecture : {subject}"
    built = _start(reporter, [to], subject, nil=nil, env=env, dev=deviations)
    original_id = str(original.get("Message-ID", "")).strip()
    recipient = str(original.get("Original-Recipient", "")).strip() or f"rfc822;{reporter.address}"
    lines = [
        "Bonjour,",
        "",
        f"Votre message « {original.get('Subject', '')} » envoyé le {original.get('Date', '')} "
        + (
            "a été traité par le logiciel destinataire."
            if disposition.startswith("automatic-action")
            else "a été affiché par son destinataire."
        ),
    ]
    if error is not None:
        lines += ["", f"Erreur d'intégration {error[0]} : {error[1]}."]
    charset = deviations.text_charset
    built.msg.set_content("\r\n".join(lines) + "\r\n", subtype="plain", charset=charset, cte="quoted-printable")
    mixed(built, env, "report")
    built.msg.set_param("report-type", "disposition-notification")
    fields = [
        f"Reporting-UA: {reporter.domain}; {product}",
        f"Original-Recipient: {recipient}",
        f"Final-Recipient: rfc822;{reporter.address}",
    ]
    if original_id and deviations.mdn_original_message_id:
        fields.append(f"Original-Message-ID: {original_id}")
    fields.append(f"Disposition: {disposition}")
    report = body_part()
    report["Content-Type"] = "message/disposition-notification"
    report.set_payload(_ascii("\r\n".join(fields) + "\r\n"))
    built.msg.attach(report)
    if whole_original:
        built.msg.attach(body_part(original))
    else:
        built.msg.attach(body_part(_original_headers(original), subtype="rfc822-headers", charset="utf-8"))
    return built
