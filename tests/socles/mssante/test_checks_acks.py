"""MSS-ACK-02, -04, -05: read receipts requested and MDNs returned."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from conformance.model import CheckContext, Finding, Verdict

from .helpers import SENDER, build_message, run_checks, verdicts
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok

ORIGINAL = "<orig.42@medecin.test-ci-sis.mssante.fr>"
OK_DISPOSITION = "automatic-action/MDN-sent-automatically; processed"
KO_DISPOSITION = "automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu"
SUBJECT = "XDM/1.0/DDM+Lettre de liaison MARTIN-ESSAI Jeanne 12/04/1938"


def email(data: bytes, **ctx: object) -> list[Finding]:
    return run_checks("email", data, CheckContext(**ctx))  # type: ignore[arg-type]


def mdn(
    disposition: str = OK_DISPOSITION,
    subject: str = SUBJECT,
    *,
    fields: dict[str, str | None] | None = None,
    second_type: str = "message/disposition-notification",
) -> bytes:
    """An MDN built with the email package: multipart/report, human part, machine part."""
    values: dict[str, str | None] = {
        "Reporting-UA": "ehpad.tilleuls; DUI ESSAI 1.0",
        "Original-Recipient": f"rfc822; {SENDER}",
        "Final-Recipient": f"rfc822; {SENDER}",
        "Original-Message-ID": ORIGINAL,
        "Disposition": disposition,
    }
    values.update(fields or {})
    report = "".join(f"{k}: {v}\r\n" for k, v in values.items() if v is not None)
    msg = EmailMessage()
    msg["From"] = f'"EHPAD Les Tilleuls - Accueil" <{SENDER}>'
    msg["To"] = "marie.durand@test-ci-sis.mssante.fr"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 20 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = "<mdn.1@dui.test-ci-sis.mssante.fr>"
    msg["X-MSS-NIL"] = "DUI-CONF-0001"
    msg.set_content("Le document a été intégré.\n", charset="utf-8")
    msg.make_mixed()
    msg.replace_header("Content-Type", 'multipart/report; report-type=disposition-notification; boundary="B0"')
    machine = EmailMessage()
    machine["Content-Type"] = second_type
    machine.set_payload(report)
    msg.attach(machine)
    return msg.as_bytes()


@pytest.mark.requirements("MSS-ACK-02")
def test_read_receipt_request() -> None:
    asked = build_message(headers={"Disposition-Notification-To": SENDER})
    ok(email(asked, read_receipt=True), "MSS-ACK-02")
    ok(email(asked), "MSS-ACK-02")
    assert verdicts(email(build_message()), "MSS-ACK-02") == {Verdict.NOT_APPLICABLE}
    fail(email(build_message(), read_receipt=True), "MSS-ACK-02", "is missing")
    other = build_message(headers={"Disposition-Notification-To": "someone@elsewhere.fr"})
    fail(email(other), "MSS-ACK-02", "not the sender's own address")


@pytest.mark.requirements("MSS-ACK-04")
def test_mdn_fields() -> None:
    ok(email(mdn()), "MSS-ACK-04")
    ok(email(mdn(), extra={"original_message_id": ORIGINAL}), "MSS-ACK-04")
    assert verdicts(email(build_message()), "MSS-ACK-04") == {Verdict.NOT_APPLICABLE}
    fail(email(mdn(fields={"Final-Recipient": None})), "MSS-ACK-04", "final-recipient appears 0 times")
    fail(email(mdn("processed")), "MSS-ACK-04", "disposition 'processed' is not valid")
    fail(email(mdn(fields={"Original-Message-ID": "orig.42"})), "MSS-ACK-04", "original-message-id")
    fail(
        email(mdn(), extra={"original_message_id": "<other@x.fr>"}),
        "MSS-ACK-04",
        "does not name the original",
    )
    fail(email(mdn(second_type="text/plain")), "MSS-ACK-04", "expected message/disposition-notification")
    no_orig_rcpt = email(mdn(fields={"Original-Recipient": None}))
    assert Verdict.WARN in verdicts(no_orig_rcpt, "MSS-ACK-04")


@pytest.mark.requirements("MSS-ACK-05")
def test_automatic_mdn() -> None:
    ok(email(mdn()), "MSS-ACK-05")
    # the MDN quotes the XDM subject but transmits no document: document rules do not apply
    for rid in ("MSS-DOC-02", "MSS-DOC-04", "MSS-XDM-01"):
        assert verdicts(email(mdn()), rid) == {Verdict.NOT_APPLICABLE}
    ko_subject = f"[KO Intégration système !][902] {SUBJECT}"
    ok(email(mdn(KO_DISPOSITION, ko_subject)), "MSS-ACK-05")
    fail(email(mdn(KO_DISPOSITION, SUBJECT)), "MSS-ACK-05", "[KO Intégration système !][902]")
    fail(email(mdn(KO_DISPOSITION, "[KO Intégration système !][903] " + SUBJECT)), "MSS-ACK-05", "[902]")
    fail(email(mdn("automatic-action/MDN-sent-automatically; displayed")), "MSS-ACK-05", "expected")
    fail(email(mdn(subject="Accusé de lecture")), "MSS-ACK-05", "does not start with XDM/1.0/DDM+")
    manual = email(mdn("manual-action/MDN-sent-manually; displayed"))
    assert verdicts(manual, "MSS-ACK-05") == {Verdict.NOT_APPLICABLE}
    ok(manual, "MSS-ACK-04")
