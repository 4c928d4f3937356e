"""What the reference DUI remembers: its usagers and their records, its mailbox, its audit trail.

In memory and thread-safe: the driver's verbs may run on the guard's worker threads. The audit
trail keeps, for every operation on the BAL, who did it, when, what, and the request sent to the
server (Ref#2 ECO.4.1.1-4.1.2, SC.MSS/CONF.17-18).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from conformance.socles.mssante.build.inputs import Patient

USER = "ide.essai (infirmière, EHPAD Essai)"  # the person using the DUI
AUTOMATIC = "DUI (traitement automatique)"  # what the DUI does by itself
PRODUCT = "DUI de référence dui-conformance"


@dataclass
class AuditEntry:
    time: str
    author: str
    action: str  # send | reply | mdn | read | receipt | integrate | reject | refuse | error
    bal: str
    request: str
    message_id: str = ""
    outcome: str = ""


@dataclass
class SentRecord:
    message_id: str
    envid: str | None
    subject: str
    date: str
    recipients: list[str]


@dataclass
class InboxItem:
    message_id: str
    subject: str
    displayed_subject: str
    from_addr: str
    from_patient: bool
    patient_name: str
    patient_ins: str
    raw: bytes = field(repr=False, default=b"")

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "displayed_subject": self.displayed_subject,
            "from": self.from_addr,
            "from_patient": self.from_patient,
            "patient_name": self.patient_name,
            "patient_ins": self.patient_ins,
        }


class PatientBase:
    """The usagers of the establishment (settings `patients` with in_dui: true) and their documents."""

    def __init__(self, identities: list[dict[str, Any]]) -> None:
        self.patients = [Patient.from_identity(p) for p in identities if p.get("in_dui", True)]
        self.documents: dict[str, list[dict[str, str]]] = {}

    def by_ins(self, ins: str, oid: str | None = None) -> Patient | None:
        return next((p for p in self.patients if p.ins == ins and (oid is None or p.ins_oid == oid)), None)

    def by_name(self, nom: str, prenom: str) -> Patient | None:
        return next(
            (p for p in self.patients if p.nom == nom.upper() and p.first_given.lower() == prenom.lower()),
            None,
        )

    def other_than(self, patient: Patient) -> Patient | None:
        return next((p for p in self.patients if p.ins != patient.ins and p.qualified), None)

    def file(self, patient: Patient, documents: list[dict[str, str]]) -> str:
        record = patient.record_id or patient.ins
        self.documents.setdefault(record, []).extend(documents)
        return record


class DuiState:
    def __init__(self, bal: str, identities: list[dict[str, Any]]) -> None:
        self.bal = bal
        self.base = PatientBase(identities)
        self.lock = threading.RLock()
        self.trail: list[AuditEntry] = []
        self.sent: dict[str, SentRecord] = {}
        self.inbox: dict[str, InboxItem] = {}
        self.integrated: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.receipts: list[dict[str, Any]] = []

    def audit(self, author: str, action: str, request: str, message_id: str = "", outcome: str = "") -> None:
        with self.lock:
            self.trail.append(
                AuditEntry(
                    datetime.now(UTC).isoformat(timespec="milliseconds"),
                    author,
                    action,
                    self.bal,
                    request,
                    message_id,
                    outcome,
                )
            )

    def remember_sent(self, record: SentRecord) -> None:
        with self.lock:
            self.sent[record.message_id] = record

    def sent_for(
        self,
        *,
        message_id: str | None = None,
        envid: str | None = None,
        returned: dict[str, str] | None = None,
        recipient: str | None = None,
    ) -> SentRecord | None:
        """The sent message a receipt is about: by Message-ID, by ENVID, else by the returned headers.

        The last fallback (Subject + Date of the returned original, and the reporting recipient) can
        match several messages sent in the same second: the most recent one is taken.
        """
        with self.lock:
            if message_id and message_id in self.sent:
                return self.sent[message_id]
            if envid:
                hit = next((r for r in self.sent.values() if r.envid == envid), None)
                if hit:
                    return hit
            if returned and returned.get("Subject") and returned.get("Date"):
                return next(
                    (
                        r
                        for r in reversed(list(self.sent.values()))
                        if r.subject == returned["Subject"]
                        and r.date == returned["Date"]
                        and (recipient is None or recipient.lower() in (a.lower() for a in r.recipients))
                    ),
                    None,
                )
            return None

    def trail_json(self) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(e) for e in self.trail]
