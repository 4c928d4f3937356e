"""Soak of the mock DMP: 5,000 ITI-41 feeds, each a distinct lot, from 4 keep-alive mutual-TLS clients.

    .venv/bin/python bench/soak_dmp.py [--requests 5000] [--clients 4] [--builders 2]

The mock DMP runs in its own process (RSS read from /proc before and after). The requests are built by
the reference DUI in a pool of processes (`--builders`: a CDA N1, its XDS lot with XAdES signature and
a signed VIHF per request, one shared PDF) and sent as they come by the client threads. At the end the
figures are compared with what the DMP holds: every Success must be a stored document (lost must be 0),
every request an exchange in the evidence journal. Not a test: it prints its figures.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing as mp
import queue
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from soak_support import rss_mb, served

from conformance import identities
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, read_answer, tls_context

PATIENT = identities.patient("resident-qualified")


def _dmp(folder: str, ready: Any, stop: Any, report: Any) -> None:
    import gc

    from conformance.engine.evidence import EvidenceJournal, read_journal
    from conformance.socles.dmp.service.app import DmpService

    journal = EvidenceJournal(Path(folder))
    service = DmpService(journal, TestPKI.load_or_create(pki_cache_dir()))
    service.start()
    gc.collect()
    ready.put((service.settings(), rss_mb()))
    stop.wait()
    gc.collect()
    after = rss_mb()
    stored = sum(len(r.documents) for r in service.records.values())
    exchanges = len(service.log.since(0))
    service.stop()
    journal.close()
    requests = sum(1 for row in read_journal(Path(folder)) if row["kind"] == "dmp-request")
    report.put({"stored": stored, "exchanges": exchanges, "journaled": requests, "rss_after": after})


_settings: dict[str, Any] = {}


def _init(settings: dict[str, Any]) -> None:
    _settings.update(settings)


@cache
def _pdf() -> str:
    from conformance.socles.mssante.api import build_pdf

    made = build_pdf("Fiche de suivi", ["MARTIN-ESSAI Jeanne"], author="EHPAD ESSAI", created=datetime.now(UTC))
    return base64.b64encode(made).decode()


def _build(n: int) -> tuple[str, bytes]:
    from conformance.socles.dmp.reference.feed import feed_request
    from conformance.socles.dmp.reference.switches import NONE

    doc = {"type_code": "11506-3", "title": f"Fiche de suivi {n}", "pdf_base64": _pdf()}
    req = feed_request(DmpConfig.from_settings(_settings), NONE, PATIENT, doc)
    return req.content_type, req.body


def _send(cfg: DmpConfig, todo: queue.Queue[tuple[str, bytes] | None], statuses: list[str]) -> None:
    url = urlsplit(cfg.url)
    conn = http.client.HTTPSConnection(url.hostname or "localhost", url.port, context=tls_context(cfg, DmpTls()))
    try:
        while (item := todo.get()) is not None:
            conn.request("POST", url.path, body=item[1], headers={"Content-Type": item[0]})
            resp = conn.getresponse()
            answer = read_answer(resp.status, resp.read())
            statuses.append(answer.registry_status)
            if answer.errors:
                statuses.append(
                    "error: " + "; ".join(f"{e['errorCode']} {e['codeContext'][:80]}" for e in answer.errors)
                )
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--builders", type=int, default=2)
    args = parser.parse_args()
    mpctx = mp.get_context("spawn")
    with served(_dmp) as service:
        settings, rss_before = service.hello
        cfg = DmpConfig.from_settings(settings)
        todo: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=200)
        statuses: list[str] = []
        senders = [threading.Thread(target=_send, args=(cfg, todo, statuses)) for _ in range(args.clients)]
        started = time.perf_counter()
        for t in senders:
            t.start()
        try:
            with ProcessPoolExecutor(args.builders, mp_context=mpctx, initializer=_init, initargs=(settings,)) as pool:
                for request in pool.map(_build, range(args.requests), chunksize=20):
                    todo.put(request)
        finally:
            for _ in senders:
                todo.put(None)
            for t in senders:
                t.join()
        seconds = time.perf_counter() - started
        held = service.finish()
    errors = Counter(s for s in statuses if s.startswith("error: "))
    statuses = [s for s in statuses if not s.startswith("error: ")]
    success = statuses.count("Success")
    print(
        f"mock DMP soak: {len(statuses)} ITI-41 sent by {args.clients} clients in {seconds:.0f} s "
        f"({len(statuses) / seconds:.0f}/s, building included)"
    )
    print(f"  Success: {success}, other answers: {len(statuses) - success} {errors.most_common(3)}")
    print(f"  stored documents: {held['stored']} (a lot stores its CDA and its signature: expected {2 * success})")
    print(f"  lost (Success without its documents stored): {max(0, 2 * success - held['stored'])}")
    print(f"  exchanges logged: {held['exchanges']}, requests in the evidence journal: {held['journaled']}")
    print(
        f"  mock DMP RSS: {rss_before:.0f} MB before, {held['rss_after']:.0f} MB after "
        f"({held['rss_after'] - rss_before:+.0f} MB with {held['stored']} documents held in memory)"
    )


if __name__ == "__main__":
    main()
