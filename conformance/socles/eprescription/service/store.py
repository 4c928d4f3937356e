"""The stand-in service's memory: registered prescriptions, their numbers and their status.

The CNAM number format is not public (spec: UNSURE), so the stand-in assigns its own documented
format: "EP" + 12 digits (a run-wide sequence seeded from the run's start) + a 2-digit mod-97 key,
so that a pharmacist's mistyped number is detectable, like the NIR key.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

NUMBER_SYSTEM = "https://dui-conformance.example/fhir/sid/numero-prescription-essai"
NUMBER_RE = re.compile(r"^EP(\d{12})(\d{2})$")


def number_key(digits: str) -> str:
    return f"{97 - int(digits) % 97:02d}"


def make_number(seq: int) -> str:
    digits = f"{seq:012d}"
    return f"EP{digits}{number_key(digits)}"


def number_is_valid(number: str) -> bool:
    m = NUMBER_RE.match(number)
    return m is not None and number_key(m.group(1)) == m.group(2)


@dataclass
class Prescription:
    number: str
    bundle: dict[str, Any]
    patient_ids: tuple[str, ...]
    registered: str
    status: str = "active"  # active | cancelled
    history: list[str] = field(default_factory=list)


class PrescriptionStore:
    """Thread-safe: requests are served on the service's event loop, read by scenarios."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = int(time.time()) % 10**6 * 1000
        self._items: dict[str, Prescription] = {}

    def register(self, bundle: dict[str, Any], patient_ids: tuple[str, ...]) -> Prescription:
        with self._lock:
            self._seq += 1
            number = make_number(self._seq)
            rec = Prescription(number, bundle, patient_ids, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            self._items[number] = rec
            return rec

    def get(self, number: str) -> Prescription | None:
        with self._lock:
            return self._items.get(number)

    def by_patient(self, patient_id: str) -> list[Prescription]:
        with self._lock:
            return [p for p in self._items.values() if patient_id in p.patient_ids]

    def cancel(self, number: str) -> tuple[Prescription | None, bool]:
        """(the prescription, whether this call cancelled it); cancelling twice is a conflict."""
        with self._lock:
            rec = self._items.get(number)
            if rec is None or rec.status == "cancelled":
                return rec, False
            rec.status = "cancelled"
            rec.history.append("cancelled")
            for entry in rec.bundle.get("entry", []):
                res = entry.get("resource") if isinstance(entry, dict) else None
                if isinstance(res, dict) and res.get("resourceType") == "MedicationRequest":
                    res["status"] = "cancelled"
            return rec, True

    def all(self) -> list[Prescription]:
        with self._lock:
            return list(self._items.values())
