"""What the mock DMP holds and remembers: patient records (from fixtures/dmp/records.json) and
every exchange it answered, with its evidence reference."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from conformance import identities
from conformance.engine.evidence import EvidenceRef
from conformance.paths import fixtures_dir

from .store import StoredAssociation, StoredDocument


@dataclass
class PatientDmp:
    key: str
    ins_cx: str
    status: str  # active | closed
    opposition: bool
    documents: dict[str, StoredDocument] = field(default_factory=dict)  # by uniqueId
    associations: list[StoredAssociation] = field(default_factory=list)

    def by_entry_uuid(self, entry_uuid: str) -> StoredDocument | None:
        return next((d for d in self.documents.values() if d.entry_uuid == entry_uuid), None)


def load_records() -> dict[str, PatientDmp]:
    """INS CX -> record, for every synthetic patient that has a DMP."""
    data = json.loads((fixtures_dir() / "dmp" / "records.json").read_text(encoding="utf-8"))
    out: dict[str, PatientDmp] = {}
    for key, rec in data["records"].items():
        p = identities.patient(key)
        cx = f"{p['ins']}^^^&{p['ins_oid']}&ISO^NH"
        out[cx] = PatientDmp(key, cx, str(rec["status"]), bool(rec["opposition"]))
    return out


@dataclass
class Exchange:
    """One request the mock DMP answered, as recorded in the evidence journal."""

    seq: int
    path: str
    content_type: str
    request: bytes
    response: bytes
    status: str  # Success | Failure | Fault
    errors: list[dict[str, str]]
    client_cert: bytes | None  # DER of the certificate the client authenticated with (mutual TLS)
    request_ref: EvidenceRef | None = None
    response_ref: EvidenceRef | None = None
    documents: dict[str, bytes] = field(default_factory=dict)
    envelope: bytes = b""  # the SOAP envelope (MTOM root part), when the request was readable
    transaction: str = "ITI-41"  # ITI-41 | ITI-18 | ITI-43 | TD0.2


class ExchangeLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []
        self._changed = threading.Condition(self._lock)

    def add(self, ex: Exchange) -> None:
        with self._changed:
            self._items.append(ex)
            self._changed.notify_all()

    def mark(self) -> int:
        with self._lock:
            return len(self._items)

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return list(self._items[mark:])

    def wait(self, mark: int, timeout: float) -> list[Exchange]:
        with self._changed:
            self._changed.wait_for(lambda: len(self._items) > mark, timeout=timeout)
            return list(self._items[mark:])
