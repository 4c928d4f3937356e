"""ITI-41 submissions per second the mock DMP accepts, each with its VIHF verified (goal >= 50/s).

Usage: python bench/bench_iti41.py [--requests 300] [--clients 4]
The requests are built beforehand by the reference DUI (CDA N1 + PDF, XDS lot with its XAdES
signature, signed VIHF, MTOM), so the figure is the server's: mutual-TLS HTTP, MTOM parsing,
VIHF signature and chain verification, metadata reading, hash and size checks, registry
update, evidence journal. Each client keeps one TLS connection open (as a DUI feeding in batch).
Prints one line; `measure()` returns the figures for bench/bench_dmp.py.
"""

from __future__ import annotations

import argparse
import http.client
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, read_answer, tls_context
from conformance.socles.dmp.reference.feed import feed_request
from conformance.socles.dmp.reference.switches import NONE
from conformance.socles.dmp.service.app import DmpService

FEED = {"type_code": "11506-3", "type_display": "CR ou fiche de suivi de soins par auxiliaire médical"}


def _client(cfg: DmpConfig, batch: list[tuple[str, bytes]], results: list[str]) -> None:
    url = urlsplit(cfg.url)
    conn = http.client.HTTPSConnection(
        url.hostname or "localhost", url.port or 443, context=tls_context(cfg, DmpTls()), timeout=60
    )
    try:
        for ctype, body in batch:
            conn.request("POST", url.path, body=body, headers={"Content-Type": ctype})
            resp = conn.getresponse()
            results.append(read_answer(resp.status, resp.read()).registry_status)
    finally:
        conn.close()


def measure(requests: int = 300, clients: int = 4) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        pki = TestPKI.load_or_create(Path(tmp) / "pki")
        service = DmpService(EvidenceJournal(Path(tmp) / "evidence"), pki)
        service.start()
        try:
            cfg = DmpConfig.from_settings(service.settings())
            keys = ["resident-qualified", "resident-second"]
            built_at = time.perf_counter()
            built = [feed_request(cfg, NONE, identities.patient(keys[i % 2]), FEED) for i in range(requests)]
            prepared = [(b.content_type, b.body) for b in built]
            build_s = time.perf_counter() - built_at
            size = sum(len(b) for _, b in prepared) / len(prepared)
            results: list[str] = []
            threads = [
                threading.Thread(target=_client, args=(cfg, prepared[i::clients], results)) for i in range(clients)
            ]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        finally:
            service.stop()
    accepted = results.count("Success")
    return {
        "requests": requests,
        "clients": clients,
        "accepted": accepted,
        "seconds": elapsed,
        "per_second": accepted / elapsed,
        "request_kb": size / 1024,
        "build_per_second": requests / build_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    m = measure(args.requests, args.clients)
    print(
        f"ITI-41 on the mock DMP: {m['accepted']}/{m['requests']} accepted (Success) by {m['clients']} mTLS "
        f"clients in {m['seconds']:.2f} s: {m['per_second']:.0f} submissions/s with VIHF verification "
        f"(requests of {m['request_kb']:.0f} KB; the DUI built {m['build_per_second']:.0f}/s beforehand)"
    )


if __name__ == "__main__":
    main()
