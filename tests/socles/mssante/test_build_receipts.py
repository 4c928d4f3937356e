"""MDN (RFC 8098) building, and reading DSN (RFC 3464) / MDN back for correlation."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from conformance import identities
from conformance.socles.mssante import incoming
from conformance.socles.mssante.build.inputs import REFERENCE, Bal, BuildEnv, Deviations
from conformance.socles.mssante.build.mdn import MANUAL_DISPLAYED, automatic_disposition, build_mdn
from conformance.socles.mssante.build.receipts import parse_receipts

BAL = "dui-app@ehpad-essai.mssante.fr"
DUI = Bal(BAL, "EHPAD Essai - Soins", "APP")


def _parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def _original() -> incoming.Incoming:
    return incoming.for_patient(identities.patient("resident-second"), to=BAL, ask_mdn=True, env=BuildEnv.fixed(5))


def _fields(mdn: EmailMessage) -> EmailMessage:
    part = next(p for p in mdn.iter_parts() if p.get_content_type() == "message/disposition-notification")
    payload = part.get_payload()
    assert isinstance(payload, list) and isinstance(payload[0], EmailMessage)
    return payload[0]


@pytest.mark.requirements("MSS-ACK-04")
def test_manual_mdn_structure() -> None:
    original = _original()
    built = build_mdn(
        DUI,
        _parse(original.data),
        to=identities.professional("doctor")["address"],
        disposition=MANUAL_DISPLAYED,
        nil="DUI-CONF-0001",
        product="DUI de référence",
        env=BuildEnv.fixed(6),
        deviations=REFERENCE,
    )
    mdn = _parse(built.data)
    assert mdn.get_content_type() == "multipart/report"
    assert mdn.get_param("report-type") == "disposition-notification"
    assert mdn["X-MSS-NIL"] == "DUI-CONF-0001" and mdn["Message-ID"] == built.message_id
    kinds = [p.get_content_type() for p in mdn.iter_parts()]
    assert kinds == ["text/plain", "message/disposition-notification", "text/rfc822-headers"]
    fields = _fields(mdn)
    assert fields["Original-Message-ID"] == original.message_id
    assert fields["Final-Recipient"] == f"rfc822;{BAL}" and fields["Original-Recipient"] == f"rfc822;{BAL}"
    assert fields["Disposition"] == "manual-action/MDN-sent-manually; displayed"
    assert str(fields["Reporting-UA"]).startswith("ehpad-essai.mssante.fr; DUI de reference")  # ASCII field


@pytest.mark.requirements("MSS-ACK-04", "MSS-ACK-05")
def test_automatic_error_mdn() -> None:
    original = _parse(_original().data)
    error = ("902", "Identifiant de patient inconnu")
    built = build_mdn(
        DUI,
        original,
        to="x@test-ci-sis.mssante.fr",
        disposition=automatic_disposition(error),
        nil="N",
        product="P",
        env=BuildEnv.fixed(6),
        deviations=REFERENCE,
        error=error,
        whole_original=True,
    )
    mdn = _parse(built.data)
    assert mdn["Subject"] == f"[KO Intégration système !][902] {original['Subject']}"
    assert _fields(mdn)["Disposition"] == (
        "automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu"
    )
    assert [p.get_content_type() for p in mdn.iter_parts()][-1] == "message/rfc822"
    assert automatic_disposition(None) == "automatic-action/MDN-sent-automatically; processed"


@pytest.mark.requirements("MSS-ACK-04")
def test_mdn_without_original_message_id_departure() -> None:
    built = build_mdn(
        DUI,
        _parse(_original().data),
        to="x@y",
        disposition=MANUAL_DISPLAYED,
        nil="N",
        product="P",
        env=BuildEnv.fixed(6),
        deviations=Deviations(mdn_original_message_id=False),
    )
    assert _fields(_parse(built.data)).get("Original-Message-ID") is None


@pytest.mark.requirements("MSS-ACK-03")
def test_read_receipt_parsed() -> None:
    original = _original()
    (receipt,) = parse_receipts(_parse(incoming.read_receipt(original.data, reader=BAL))) or []
    assert (receipt.kind, receipt.report) == ("read", "mdn")
    assert receipt.original_message_id == original.message_id and receipt.recipient == BAL
    assert receipt.returned["Message-ID"] == original.message_id


@pytest.mark.requirements("MSS-ACK-03")
def test_delivery_status_parsed() -> None:
    original = _original()
    dsn = incoming.delivery_status(original.data, envelope_id="0123abcd", recipients=[BAL, "b@ch-essai.mssante.fr"])
    receipts = parse_receipts(_parse(dsn)) or []
    assert [(r.kind, r.report, r.recipient) for r in receipts] == [
        ("delivered", "dsn", BAL),
        ("delivered", "dsn", "b@ch-essai.mssante.fr"),
    ]
    assert all(r.original_envelope_id == "0123abcd" and r.original_message_id == original.message_id for r in receipts)
    failed = incoming.delivery_status(
        original.data, envelope_id=None, recipients=[BAL], action="failed", status="5.1.1"
    )
    (bad,) = parse_receipts(_parse(failed)) or []
    assert bad.kind == "failed" and "5.1.1" in bad.detail and bad.original_envelope_id is None
    delayed = incoming.delivery_status(
        original.data, envelope_id="e", recipients=[BAL], action="delayed", status="4.4.1"
    )
    assert parse_receipts(_parse(delayed)) == []


def test_not_a_report() -> None:
    assert parse_receipts(_parse(_original().data)) is None
