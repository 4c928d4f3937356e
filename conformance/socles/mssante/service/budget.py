"""How many sessions one protocol of the mock operator serves at once, and who gives way when it is full.

SMTP and IMAP each have their own budget (a flood on one never closes the other). Within a budget:
- a total cap (`max_sessions`) and a cap per client address (`max_per_peer`): one peer cannot take
  every session;
- when a newcomer finds the budget (or its address's share) full, the oldest session that has not
  authenticated yet (no TLS with a BAL certificate: an idle socket, a stalled handshake) and has had
  `evict_after` seconds to do so is evicted for it, taken from the address that holds the most
  sessions. A client that is just shaking hands (tens of milliseconds) is never the one cut; when no
  session may give way, the newcomer is refused ("try again later"). A flood of idle or half-open
  connections therefore never locks a legitimate client out, during the flood or after it;
- a slot is released exactly once, whatever the exit path (quit, timeout, reset, a handshake that
  never finished, eviction): `release` is idempotent and the listeners call it from every end.

Postfix and Dovecot answer the same problem with per-client connection limits
(`smtpd_client_connection_count_limit`, `mail_max_userip_connections`) and short pre-authentication
timeouts; the eviction of unauthenticated sessions is what HAProxy and nginx do under load.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)
class Slot:
    """One admitted session: its client address, its admission order, whether it authenticated."""

    peer: str
    order: int
    evict: Callable[[], None] = field(repr=False)
    since: float = field(default_factory=time.monotonic)
    authenticated: bool = False
    released: bool = False


@dataclass
class Admission:
    slot: Slot | None  # None: refused
    evicted: list[Slot] = field(default_factory=list)
    refusal: str = ""  # why, as the protocol's reply text (without code)


class SessionBudget:
    def __init__(self, max_sessions: int, max_per_peer: int | None = None, evict_after: float = 1.0) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self.max_sessions = max_sessions
        self.max_per_peer = max(1, min(max_per_peer or max_sessions, max_sessions))
        self.evict_after = evict_after
        self._lock = threading.Lock()
        self._slots: list[Slot] = []
        self._order = itertools.count(1)

    def admit(self, peer: str, evict: Callable[[], None]) -> Admission:
        """A slot for a new connection from `peer`, evicting an unauthenticated session if need be.

        The evicted sessions' `evict` callbacks are run after the lock is released (they close sockets).
        """
        with self._lock:
            evicted: list[Slot] = []
            mine = [s for s in self._slots if s.peer == peer]
            if len(mine) >= self.max_per_peer:
                victim = self._oldest_unauthenticated(mine)
                if victim is None:
                    return Admission(None, refusal="too many sessions from your address")
                evicted.append(self._drop(victim))
            elif len(self._slots) >= self.max_sessions:
                victim = self._oldest_unauthenticated(self._hog())
                if victim is None:
                    return Admission(None, refusal="too many sessions")
                evicted.append(self._drop(victim))
            slot = Slot(peer, next(self._order), evict)
            self._slots.append(slot)
        for victim in evicted:
            victim.evict()
        return Admission(slot, evicted)

    def authenticated(self, slot: Slot | None) -> None:
        """The session proved a BAL identity: it is no longer evicted for newcomers."""
        if slot is not None:
            with self._lock:
                slot.authenticated = True

    def release(self, slot: Slot | None) -> None:
        """Give the slot back (idempotent: every exit path may call it)."""
        if slot is None:
            return
        with self._lock:
            self._drop(slot)

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._slots)

    def by_peer(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for s in self._slots:
                out[s.peer] = out.get(s.peer, 0) + 1
            return out

    # -- under the lock --------------------------------------------------------------------------
    def _drop(self, slot: Slot) -> Slot:
        if not slot.released:
            slot.released = True
            self._slots.remove(slot)
        return slot

    def _hog(self) -> list[Slot]:
        """The slots of the address holding the most evictable sessions."""
        counts: dict[str, int] = {}
        for s in self._evictable(self._slots):
            counts[s.peer] = counts.get(s.peer, 0) + 1
        if not counts:
            return []
        top = max(counts.values())
        peers = {p for p, n in counts.items() if n == top}
        return [s for s in self._slots if s.peer in peers]

    def _evictable(self, slots: list[Slot]) -> list[Slot]:
        """Unauthenticated sessions that had `evict_after` seconds to authenticate."""
        oldest = time.monotonic() - self.evict_after
        return [s for s in slots if not s.authenticated and s.since <= oldest]

    def _oldest_unauthenticated(self, slots: list[Slot]) -> Slot | None:
        return min(self._evictable(slots), key=lambda s: s.order, default=None)
