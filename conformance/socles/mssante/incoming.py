"""Messages the harness puts in the DUI's mailbox: what other MSSanté users and operators send it.

Each is a real message built by the same builders as the reference DUI, sent by a doctor's
practice (a personal BAL of the test whitelist) or by an usager from Mon espace santé, or a
report (DSN from the operator, MDN from a reader). The odd ones reproduce what the receiving
rules are about: a subject naming another person than METADATA patientId (MSS-RCV-01), an archive
with macOS junk and a URI in another case (MSS-RCV-02, as in the NIST samples), a wrong hash.
Messages carry the Return-Path the final MTA adds, so that a DUI can apply the RFC 8098 rule
"no automatic MDN unless Disposition-Notification-To equals Return-Path".
"""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from conformance import identities

from .build.documents import BuiltDocument, build_document
from .build.inputs import (
    CABINET,
    CABINET_DOCTOR,
    REFERENCE,
    Bal,
    BuildEnv,
    Deviations,
    DocumentRequest,
    Patient,
)
from .build.mdn import MANUAL_DISPLAYED, build_mdn
from .build.message import BuiltMessage, body_part, documents_message, mixed, text_message

SENDER_NIL = "LPS-ESSAI-0001"  # the Convergence reference of the (fictitious) sending software
OPERATOR_MTA = "operateur-essai.mssante.fr"
CONSULTATION = ("11488-4", "CR ou fiche de consultation ou de visite")


@dataclass(frozen=True)
class Incoming:
    data: bytes
    message_id: str
    description: str


def _patient(p: Patient | dict[str, Any]) -> Patient:
    return p if isinstance(p, Patient) else Patient.from_identity(p)


def doctor_bal() -> Bal:
    doc = identities.professional("doctor")
    return Bal(str(doc["address"]), str(doc["display"]), str(doc["type"]))


def _delivered(built: BuiltMessage, return_path: str) -> bytes:
    """What the final MTA hands to the mailbox: the message with Return-Path on top."""
    return f"Return-Path: <{return_path}>\r\n".encode("ascii") + built.data


def _documents(
    patient: Patient, env: BuildEnv, dev: Deviations, service_date: date | None = None
) -> list[BuiltDocument]:
    request = DocumentRequest(
        CONSULTATION[0],
        CONSULTATION[1],
        "Compte rendu de consultation",
        service_date or env.utc.date(),
        text="Consultation de suivi au cabinet.",
    )
    return [build_document(patient, request, author=CABINET_DOCTOR, org=CABINET, env=env, deviations=dev)]


def _xdm_message(
    patient: Patient,
    *,
    to: str,
    env: BuildEnv | None,
    dev: Deviations,
    ask_mdn: bool = False,
    subject_person: Patient | None = None,
    description: str,
) -> Incoming:
    env = env or BuildEnv.live()
    sender = doctor_bal()
    built = documents_message(
        sender,
        [to],
        _documents(patient, env, dev),
        org=CABINET,
        body="Bonjour,\r\nVeuillez trouver ci-joint le compte rendu de consultation.\r\n",
        nil=SENDER_NIL,
        read_receipt=ask_mdn,
        env=env,
        deviations=dev,
        subject_person=subject_person,
    )
    return Incoming(_delivered(built, sender.address), built.message_id, description)


def for_patient(
    patient: Patient | dict[str, Any], *, to: str, ask_mdn: bool = False, env: BuildEnv | None = None
) -> Incoming:
    """A well-formed XDM message from a doctor about `patient` (known or unknown to the DUI)."""
    p = _patient(patient)
    return _xdm_message(
        p,
        to=to,
        env=env,
        dev=REFERENCE,
        ask_mdn=ask_mdn,
        description=f"consultation report for {p.nom} {p.first_given}",
    )


def misleading_subject(
    patient: Patient | dict[str, Any],
    *,
    subject_person: Patient | dict[str, Any],
    to: str,
    env: BuildEnv | None = None,
) -> Incoming:
    """METADATA and CDA are about `patient`, the subject names `subject_person`."""
    p, other = _patient(patient), _patient(subject_person)
    return _xdm_message(
        p,
        to=to,
        env=env,
        dev=REFERENCE,
        subject_person=other,
        description=f"documents of {p.nom}, subject naming {other.nom}",
    )


def with_junk_entries(patient: Patient | dict[str, Any], *, to: str, env: BuildEnv | None = None) -> Incoming:
    """An archive made on a Mac: __MACOSX/ and .DS_Store entries, and a URI in lower case."""
    return _xdm_message(
        _patient(patient),
        to=to,
        env=env,
        dev=Deviations(junk_entries=True, uri_case_mismatch=True),
        description="archive with __MACOSX/, .DS_Store and a URI case difference",
    )


def with_wrong_hash(patient: Patient | dict[str, Any], *, to: str, env: BuildEnv | None = None) -> Incoming:
    """METADATA hash is not the SHA-1 of the document file."""
    return _xdm_message(
        _patient(patient),
        to=to,
        env=env,
        dev=Deviations(hash_of_document=False),
        description="METADATA hash differs from the document's SHA-1",
    )


def from_patient_address(patient: Patient | dict[str, Any], *, to: str, env: BuildEnv | None = None) -> Incoming:
    """A message the usager writes from Mon espace santé (<INS>@patient.mssante.fr)."""
    p = _patient(patient)
    env = env or BuildEnv.live()
    sender = Bal(p.address, f"{p.first_given} {p.nom}", "MES")
    built = text_message(
        sender,
        [to],
        "Question sur mon traitement",
        "Bonjour,\r\nPouvez-vous me rappeler l'horaire du prochain rendez-vous ?\r\nMerci.\r\n",
        nil="",
        env=env,
        deviations=Deviations(nil_header=False),
    )
    return Incoming(_delivered(built, sender.address), built.message_id, f"message from {p.address}")


def _parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def _first_address(value: str) -> str:
    pairs = email.utils.getaddresses([value])
    return pairs[0][1] if pairs else ""


def read_receipt(sent: bytes, *, reader: str, env: BuildEnv | None = None) -> bytes:
    """The MDN `reader` returns after displaying `sent` (to its Disposition-Notification-To, else From)."""
    original = _parse(sent)
    to = _first_address(str(original.get("Disposition-Notification-To") or original.get("From") or ""))
    displays = {
        str(p["address"]): str(p["display"])
        for p in (identities.professional(k) for k in ("doctor", "hospital-service"))
    }
    reporter = Bal(reader, displays.get(reader, reader), "PER")
    built = build_mdn(
        reporter,
        original,
        to=to,
        disposition=MANUAL_DISPLAYED,
        nil=SENDER_NIL,
        product="LPS d'essai dui-conformance",
        env=env or BuildEnv.live(),
        deviations=REFERENCE,
    )
    return b"Return-Path: <>\r\n" + built.data


def _fields(pairs: list[tuple[str, str]]) -> Message:
    block = Message()
    for name, value in pairs:
        block[name] = value
    return block


def delivery_status(
    sent: bytes,
    *,
    envelope_id: str | None,
    recipients: list[str],
    action: str = "delivered",
    status: str = "2.0.0",
    env: BuildEnv | None = None,
) -> bytes:
    """The DSN (RFC 3464) the operator returns for `sent`, with its headers (RET=HDRS)."""
    env = env or BuildEnv.live()
    original = _parse(sent)
    to = _first_address(str(original.get("From") or ""))
    success = action in ("delivered", "relayed", "expanded")
    built = text_message(
        Bal(f"MAILER-DAEMON@{OPERATOR_MTA}", "Opérateur MSSanté d'essai", "APP"),
        [to],
        f"Delivery Status Notification ({'Success' if success else 'Failure'})",
        f"Rapport de distribution pour {', '.join(recipients)} : {action} ({status}).\r\n",
        nil="",
        env=env,
        deviations=Deviations(nil_header=False),
    )
    mixed(built, env, "report")
    built.msg.set_param("report-type", "delivery-status")
    per_message = [("Reporting-MTA", f"dns; {OPERATOR_MTA}")]
    if envelope_id:
        per_message.append(("Original-Envelope-Id", envelope_id))
    per_message.append(("Arrival-Date", email.utils.format_datetime(env.now)))
    blocks: list[Message | str] = [_fields(per_message)]
    blocks += [
        _fields([("Final-Recipient", f"rfc822;{r}"), ("Action", action), ("Status", status)]) for r in recipients
    ]
    report = body_part()
    report["Content-Type"] = "message/delivery-status"
    report.set_payload(blocks)
    built.msg.attach(report)
    returned = "".join(f"{k}: {v}\r\n" for k, v in original.raw_items())
    built.msg.attach(body_part(returned, subtype="rfc822-headers", charset="utf-8"))
    return b"Return-Path: <>\r\n" + built.data
