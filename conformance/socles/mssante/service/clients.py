"""Reference clients of the mock operator (smtplib / imaplib), strict or careless on purpose.

A strict client is what a conformant DUI does: STARTTLS first, verify the server against the test
IGC-Santé bundle and its CRL, present the ORG certificate. A lax client (strict=False) skips what
the transport rules require, so tests and seeded defects can show the checks failing. Used by the
harness's own tests, the benchmark and the reference DUI.
"""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service.tlsconf import client_ssl_context


def test_message(
    sender: str,
    rcpts: Sequence[str],
    *,
    subject: str = "Message d'essai",
    body: str = "Bonjour,\nmessage d'essai.\n",
    padding: int = 0,
) -> bytes:
    """A small RFC 5322 message (with `padding` extra bytes of body when a size matters)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(rcpts)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="ehpad-essai.mssante.fr")
    msg.set_content(body + ("x" * 76 + "\n") * (padding // 77 + (1 if padding else 0)))
    return msg.as_bytes(policy=policy.SMTP)  # CRLF line ends: what goes on the wire


test_message.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test


def submit(
    host: str,
    port: int,
    pki: TestPKI | None,
    sender: str,
    rcpts: Sequence[str],
    data: bytes,
    *,
    strict: bool = True,
    starttls: bool = True,
    client_cert: bool = True,
    auth_external: bool = False,
    mail_options: Sequence[str] = (),
    rcpt_options: Sequence[str] = (),
    timeout: float = 10.0,
) -> dict[str, tuple[int, bytes]]:
    """Send one message by SMTP submission; returns smtplib's refused recipients (raises on failure).

    `starttls=False` or a missing STARTTLS offer with strict=False sends in clear; strict=True then
    gives up (what MSS-TLS-01 requires) by raising SMTPNotSupportedError.
    """
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo()
        if starttls and smtp.has_extn("starttls"):
            if pki is None:
                raise ValueError("a PKI is needed for STARTTLS")
            smtp.starttls(context=client_ssl_context(pki, strict=strict, client_cert=client_cert))
            smtp.ehlo()
        elif strict:
            raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS: not sending in clear")
        if auth_external:
            smtp.auth("EXTERNAL", lambda challenge=None: "")
        return smtp.sendmail(
            sender, list(rcpts), data, mail_options=list(mail_options), rcpt_options=list(rcpt_options)
        )


def fetch_inbox(
    host: str, port: int, pki: TestPKI, *, strict: bool = True, delete: bool = False, timeout: float = 10.0
) -> list[bytes]:
    """Read every message of INBOX by IMAP (STARTTLS, SASL EXTERNAL); optionally delete them."""
    imap = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        imap.starttls(client_ssl_context(pki, strict=strict))
        imap.authenticate("EXTERNAL", lambda _challenge: b"")
        imap.select("INBOX")
        _typ, data = imap.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
        out: list[bytes] = []
        for uid in (data[0] or b"").split():
            _typ, parts = imap.uid("FETCH", uid.decode(), "(RFC822)")
            item = parts[0]
            if isinstance(item, tuple):
                out.append(item[1])
            if delete:
                imap.uid("STORE", uid.decode(), "+FLAGS", "(\\Deleted)")
        if delete:
            imap.expunge()
        return out
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
