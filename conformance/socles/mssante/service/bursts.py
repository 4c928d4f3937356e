"""Connections that carried no command are journaled in aggregate: one record per burst, not one file each.

A port scan, a connection flood or a load balancer's health checks open and close sockets without a
single SMTP or IMAP command; writing one evidence file per connect let a 200-connection flood add
200 files to a run. Such sessions (refused, evicted, idle, reset before any command) are kept in
memory like any other (a scenario that judges one records it then), and the journal gets one
`connection-burst` record per burst: first and last time, counts by protocol, by end reason and by
client address, and the first `MAX_LISTED` sessions. A burst ends after `gap` seconds without such
a session, when it reaches `MAX_PER_RECORD` sessions, or when the operator stops.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

from conformance.engine.evidence import OBSERVED, EvidenceJournal, EvidenceRef

if TYPE_CHECKING:
    from conformance.socles.mssante.service.records import SessionRecord

SCHEMA = "dui-conformance/mssante-connection-burst/1"
MAX_LISTED = 100
MAX_PER_RECORD = 10_000


def is_silent(record: SessionRecord) -> bool:
    """A session that carried nothing worth its own record: no command, no TLS attempt, no certificate."""
    return not record.commands and not record.commands_dropped and not record.starttls_used and not record.client_cert


class BurstJournal:
    def __init__(self, journal: EvidenceJournal, gap: float = 1.0) -> None:
        self.journal = journal
        self.gap = gap
        self._lock = threading.Lock()
        self._pending: list[SessionRecord] = []
        self._last = 0.0
        self._timer: threading.Timer | None = None
        self.records: list[EvidenceRef] = []

    def add(self, record: SessionRecord) -> None:
        with self._lock:
            self._pending.append(record)
            self._last = time.monotonic()
            full = len(self._pending) >= MAX_PER_RECORD
            if not full and self._timer is None:
                self._arm(self.gap)
        if full:
            self.flush()

    def _arm(self, delay: float) -> None:
        timer = threading.Timer(delay, self._tick)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _tick(self) -> None:
        with self._lock:
            self._timer = None
            quiet = time.monotonic() - self._last
            if self._pending and quiet < self.gap:
                self._arm(self.gap - quiet)
                return
        self.flush()

    def flush(self) -> EvidenceRef | None:
        """Write the pending burst (if any) as one record."""
        with self._lock:
            batch, self._pending = self._pending, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if not batch:
            return None
        summary = {
            "schema": SCHEMA,
            "first": batch[0].started,
            "last": batch[-1].ended or batch[-1].started,
            "count": len(batch),
            "by_protocol": dict(Counter(r.protocol for r in batch)),
            "by_end_reason": dict(Counter(r.end_reason or "closed" for r in batch)),
            "by_peer": dict(Counter(r.peer.rpartition(":")[0] or r.peer for r in batch).most_common(20)),
            "sessions": [
                {"id": r.id, "peer": r.peer, "started": r.started, "ended": r.ended, "end_reason": r.end_reason}
                for r in batch[:MAX_LISTED]
            ],
        }
        data = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
        try:
            ref = self.journal.record("connection-burst", f"burst-{len(batch)}-sessions.json", data, role=OBSERVED)
        except (OSError, ValueError):  # journal already closed: the sessions stay in memory
            return None
        with self._lock:
            self.records.append(ref)
        return ref
