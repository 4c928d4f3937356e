"""The e-prescription relay as the scenarios see it: the stand-in service's interface over a real one.

The fixtures read the stand-in through `mark()`, `exchanges_since(mark)` (each `Exchange` with the
number the service assigned), `store.get(number).status`, `policy` and `settings()`. The relay gives
the same from what the platform answered, never from what the DUI claims:
- an exchange is journalled as the stand-in journals it (the posted body as a "fhir" artifact, an
  "eprescription-exchange" summary) with both legs in the metadata;
- the number of a registration is the identifier (or the `Location`) of the platform's 201 answer;
- `store` knows what the platform said: registered on a 201, cancelled on a successful `$cancel`;
- `policy` is the platform's own: a real service applies its rules, whatever the scenario would ask of
  the stand-in ("strict" or "record"); the scenario's request is kept for the record.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from conformance.engine.capture.https import HttpsRelay, Relayed
from conformance.engine.capture.profile import Platform
from conformance.engine.capture.sandbox import SandboxRun
from conformance.engine.evidence import DUI, OBSERVED, EvidenceJournal, EvidenceRef
from conformance.formats.pki import TestPKI

from ..service import MAX_BODY, NUMBER_SYSTEM, Exchange

KEPT_HEADERS = ("content-type", "accept", "user-agent", "content-length", "prefer")


@dataclass
class Known:
    """What the platform said of one prescription."""

    number: str
    status: str = "active"  # active | cancelled


class PlatformStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Known] = {}

    def note(self, number: str, status: str) -> None:
        with self._lock:
            self._items.setdefault(number, Known(number)).status = status

    def get(self, number: str) -> Known | None:
        with self._lock:
            return self._items.get(number)


class PrescriptionRelay:
    def __init__(
        self, journal: EvidenceJournal, pki: TestPKI, run: SandboxRun, platform: Platform, *, port: int = 0
    ) -> None:
        self.journal = journal
        self.pki = pki
        self.run = run
        self.upstream = platform.upstreams["https"]
        self.number_system = platform.texts.get("number_system", NUMBER_SYSTEM)
        self.store = PlatformStore()
        self.requested_policy = "record"
        self._lock = threading.Lock()
        self._exchanges: list[tuple[Exchange, EvidenceRef | None]] = []
        self._relay = HttpsRelay(self.upstream, pki, self._record, max_body=MAX_BODY, port=port)

    @property
    def policy(self) -> str:
        return self.requested_policy

    @policy.setter
    def policy(self, value: str) -> None:
        if value not in ("strict", "record"):
            raise ValueError(value)
        self.requested_policy = value  # the platform applies its own rules: kept for the record only

    # -- exchanges -------------------------------------------------------------------------------

    def number_of(self, ex: Relayed) -> str:
        """The number the platform assigned (201) or acted on ($cancel, read): from its answer or the path."""
        parts = [p for p in ex.path.split("/") if p]
        if ex.method == "POST" and parts and parts[-1] == "Bundle":
            if ex.status != 201:
                return ""
            try:
                created = json.loads(ex.response)
            except ValueError:
                created = {}
            ident = created.get("identifier") if isinstance(created, dict) else None
            for one in ident if isinstance(ident, list) else [ident]:
                if isinstance(one, dict) and one.get("system") == self.number_system and one.get("value"):
                    return str(one["value"])
            location = ex.header("location", response=True).rstrip("/")
            return location.rsplit("/", 1)[-1] if "/Bundle/" in location else ""
        if "Bundle" in parts and parts.index("Bundle") + 1 < len(parts):
            return parts[parts.index("Bundle") + 1]
        return ""

    def _record(self, ex: Relayed) -> None:
        number = self.number_of(ex)
        path = self.upstream.path + ex.path
        meta = {**ex.meta(), "status": ex.status, "number": number}
        body_ref = None
        if ex.request:
            body_ref = self.journal.record("fhir", f"{ex.method}-{path}-request", ex.request, meta=meta, role=DUI)
        headers = {k.lower(): v for k, v in ex.request_headers if k.lower() in KEPT_HEADERS}
        summary = {
            "method": ex.method,
            "path": path,
            "query": ex.query,
            "status": ex.status,
            "request_headers": headers,
            "request_size": len(ex.request),
            "response_size": len(ex.response),
            "number": number,
            "request_sha256": body_ref.sha256 if body_ref else None,
            "response": ex.response.decode("utf-8", "replace")[:200_000],
            "relay": ex.meta(),
        }
        ref = self.journal.record_json("eprescription-exchange", f"{ex.method}-{ex.status}", summary, role=OBSERVED)
        why = ex.error or self._unreadable(ex)
        if why:
            self.run.failed(self.upstream, why, ref, self.journal.scenario)
        if number and ex.status == 201:
            self.store.note(number, "active")
        elif number and ex.status == 200 and ex.path.endswith("/$cancel"):
            self.store.note(number, "cancelled")
        exchange = Exchange(ex.method, path, ex.query, ex.status, headers, ex.request, ex.response, number)
        with self._lock:
            self._exchanges.append((exchange, body_ref))

    @staticmethod
    def _unreadable(ex: Relayed) -> str:
        """A FHIR service answers JSON (a resource or an OperationOutcome): anything else is the platform's fault."""
        try:
            data = json.loads(ex.response) if ex.response else None
        except ValueError:
            data = None
        if isinstance(data, dict) and "resourceType" in data:
            return ""
        return f"HTTP {ex.status}, not a FHIR JSON answer ({len(ex.response)} bytes)"

    def mark(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def exchanges_since(self, mark: int) -> list[tuple[Exchange, EvidenceRef | None]]:
        with self._lock:
            return list(self._exchanges[mark:])

    @property
    def port(self) -> int:
        return self._relay.port

    # -- life ------------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {
            "base_url": self._relay.origin,
            "ca_bundle": str(self.pki.ca_bundle),
            "client_cert": str(self.pki.client_cert),
            "client_key": str(self.pki.client_key),
            "max_body": MAX_BODY,
            "number_system": self.number_system,
        }

    def start(self) -> None:
        self._relay.start()

    def stop(self) -> None:
        self._relay.stop()
