"""Soak of the mock MSSanté operator: 10,000 messages from 50 clients, some killed mid-session.

    .venv/bin/python bench/soak_operator.py [--clients 50] [--messages 200] [--kill-rate 0.08] [--seed 13]

The operator runs in its own process (its RSS is read from /proc before and after). Each client is a
thread that opens STARTTLS sessions with the ORG certificate and sends 1 to 20 messages per session,
from one of `--addresses` loopback addresses (127.0.0.2, .3, ...: the DUIs of several establishments);
a share of the sessions (`--kill-rate`) is killed at a random moment, the socket reset (SO_LINGER 0):
during the TLS handshake, after MAIL, after RCPT, or halfway through DATA. Every message has its own
Message-ID. At the end the figures are compared with what the operator holds:
- accepted: the client read "250" after its final dot;
- lost: accepted but absent from the evidence journal or from the recipient's mailbox (must be 0);
- stored unacknowledged: in the journal although the client was killed before reading the reply
  (SMTP allows it: the dot was sent);
- sessions left open and session slots still held after the clients are gone (must be 0).
Not a test: it prints its figures (docs/performance.md keeps the latest).
"""

from __future__ import annotations

import argparse
import random
import re
import smtplib
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any

from soak_support import rss_mb, served

from conformance import identities
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.mssante.service.clients import test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])
MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)", re.M | re.I)
KILL_POINTS = ("handshake", "after-mail", "after-rcpt", "mid-data")


def _operator(folder: str, ready: Any, stop: Any, report: Any) -> None:
    """The operator's process: serve until told to stop, then report what it holds."""
    import gc

    from conformance.engine.evidence import EvidenceJournal, read_journal
    from conformance.socles.mssante.service import Operator

    journal = EvidenceJournal(Path(folder))
    op = Operator(journal, TestPKI.load_or_create(pki_cache_dir()), whitelist=identities.whitelist(), idle_timeout=30)
    op.start()
    gc.collect()
    ready.put((op.smtp_port, rss_mb()))
    stop.wait()
    op.wait_idle(timeout=30)
    active = op.log.active
    slots = op._smtp.budget.active + op._imap.budget.active
    gc.collect()
    after = rss_mb()
    op.stop()
    journal.close()
    journaled = set()
    for row in read_journal(Path(folder)):
        if row["kind"] == "message":
            found = MESSAGE_ID.search((Path(folder) / row["path"]).read_bytes())
            if found:
                journaled.add(found.group(1).decode())
    boxed = {m.group(1).decode() for msg in op.mailbox(DOCTOR).snapshot() if (m := MESSAGE_ID.search(msg.raw))}
    report.put(
        {
            "journaled": sorted(journaled),
            "mailbox": sorted(boxed),
            "sessions": len(op.sessions),
            "active": active,
            "slots": slots,
            "rss_after": after,
            "bursts": len(op.bursts.records),
        }
    )


def _reset(smtp: smtplib.SMTP) -> None:
    """Kill the connection as a crashed client does: an RST, no QUIT."""
    sock = smtp.sock
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    smtp.sock = None  # type: ignore[assignment]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: set[str] = set()
        self.killed_unacked: set[str] = set()
        self.attempted = 0
        self.kills: dict[str, int] = dict.fromkeys(KILL_POINTS, 0)
        self.errors: list[str] = []


def _session(port: int, source: str, ctx: Any, tally: Tally, rng: random.Random, budget: int, kill_rate: float) -> int:
    """One SMTP session from `source` sending up to `budget` messages; returns how many were attempted."""
    count = min(budget, rng.randint(1, 20))
    kill_at = rng.randrange(count) if rng.random() < kill_rate else -1
    point = rng.choice(KILL_POINTS)
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        if kill_at == 0 and point == "handshake":
            smtp.putcmd("STARTTLS")
            smtp.getreply()
            assert smtp.sock is not None
            smtp.sock.send(b"\x16\x03\x01\x02\x00\x01\x00")  # the start of a ClientHello, then the crash
            _reset(smtp)
            tally.kills[point] += 1
            return 1
        smtp.starttls(context=ctx)
        smtp.ehlo()
        for n in range(count):
            data = test_message(BAL, [DOCTOR], subject=f"soak {n}", padding=rng.randint(0, 4000))
            mid = MESSAGE_ID.search(data).group(1).decode()
            if n == kill_at and point != "handshake":
                smtp.mail(BAL)
                if point in ("after-rcpt", "mid-data"):
                    smtp.rcpt(DOCTOR)
                if point == "mid-data":
                    smtp.putcmd("DATA")
                    smtp.getreply()
                    smtp.send(data[: len(data) // 2])
                _reset(smtp)
                with tally.lock:
                    tally.kills[point] += 1
                return n + 1
            refused = smtp.sendmail(BAL, [DOCTOR], data)
            if not refused:
                with tally.lock:
                    tally.accepted.add(mid)
        smtp.quit()
        return count
    except (smtplib.SMTPException, OSError) as exc:
        with tally.lock:
            tally.errors.append(f"{type(exc).__name__}: {exc}")
        return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200, help="messages attempted per client")
    parser.add_argument("--kill-rate", type=float, default=0.08, help="share of sessions killed mid-way")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--addresses", type=int, default=10, help="loopback addresses the clients come from")
    args = parser.parse_args()
    pki = TestPKI.load_or_create(pki_cache_dir())
    ctx = client_ssl_context(pki)
    with served(_operator) as service:
        port, rss_before = service.hello
        tally = Tally()

        def client(index: int) -> None:
            rng = random.Random(args.seed * 1000 + index)
            source = f"127.0.0.{2 + index % args.addresses}"  # the DUIs of several establishments
            left = args.messages
            while left > 0:
                left -= _session(port, source, ctx, tally, rng, left, args.kill_rate)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        held = service.finish()
    journaled, boxed = set(held["journaled"]), set(held["mailbox"])
    lost = tally.accepted - (journaled & boxed)
    unacked = journaled - tally.accepted
    attempted = args.clients * args.messages
    kills = ", ".join(f"{k} {v}" for k, v in tally.kills.items())
    growth = held["rss_after"] - rss_before
    print(f"operator soak: {args.clients} clients x {args.messages} messages = {attempted} attempted, {seconds:.1f} s")
    print(f"  sessions killed mid-way: {sum(tally.kills.values())} ({kills})")
    print(f"  accepted (250 after the dot): {len(tally.accepted)}  ({len(tally.accepted) / seconds:.0f} msg/s)")
    print(f"  lost (accepted, not journaled or not in the mailbox): {len(lost)}")
    print(f"  stored without acknowledgement (killed after the dot): {len(unacked)}")
    print(f"  client errors: {len(tally.errors)} {tally.errors[:3]}")
    print(
        f"  operator sessions recorded: {held['sessions']}, open after: {held['active']}, slots held: {held['slots']}"
    )
    print(
        f"  operator RSS: {rss_before:.0f} MB before, {held['rss_after']:.0f} MB after "
        f"({growth:+.0f} MB with {len(journaled)} messages held in its in-memory mailboxes)"
    )


if __name__ == "__main__":
    main()
