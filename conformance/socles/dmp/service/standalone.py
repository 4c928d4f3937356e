"""`conformance serve --socle dmp`: the mock DMP on its own, for a DUI under development, curl or SoapUI.

A vendor points its DUI at the printed URLs with the printed test certificates, feeds, searches
and reads back, then runs `conformance validate` on the requests kept in `<out_dir>/evidence`.
The service is the one the DMP suite uses (docs/dmp-contract.md): loopback only, test PKI only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.engine.standalone import wait_until_stopped
from conformance.formats.pki import TestPKI

from .app import DmpService


def banner(service: DmpService, evidence: Path) -> str:
    s = service.settings()
    p = identities.patient("resident-qualified")
    ins = f"urn:oid:{p['ins_oid']}|{p['ins']}"
    return "\n".join(
        [
            "Mock DMP (IHE XDS.b over mutual TLS; TEST PKI, loopback only)",
            f"  ITI-41 feed:      {s['url']}",
            f"  ITI-18 query:     {s['query_url']}",
            f"  ITI-43 retrieve:  {s['retrieve_url']}",
            f"  TD0.2 (stand-in): {s['td02_url']}?identifier=<INS system>|<INS>",
            f"  CA bundle:    {s['ca_bundle']}",
            f"  client cert:  {s['client_cert']}   (structure authentication certificate, mutual TLS)",
            f"  client key:   {s['client_key']}",
            f"  signing cert: {s['signing_cert']}   (cachet: signs the VIHF and the XAdES of the lot)",
            f"  signing key:  {s['signing_key']}",
            f"  patients with a DMP: {', '.join(sorted(r.key for r in service.records.values()))}",
            f"  evidence:     {evidence}",
            "Example:",
            f"  curl --cacert {s['ca_bundle']} --cert {s['client_cert']} --key {s['client_key']} "
            f"-G --data-urlencode 'identifier={ins}' {s['td02_url']}",
            "Stop with Ctrl-C.",
        ]
    )


def run_standalone(
    out_dir: Path, port: int = 0, stop_event: threading.Event | None = None, echo: Callable[[str], None] = print
) -> None:
    """Serve until Ctrl-C or `stop_event`; the journal is closed (index written) on the way out."""
    out_dir = Path(out_dir)
    pki = TestPKI.load_or_create(out_dir / "pki")
    journal = EvidenceJournal(out_dir / "evidence")
    stop = stop_event or threading.Event()
    service = DmpService(journal, pki, port=port)
    try:
        service.start()
        echo(banner(service, journal.root))
        wait_until_stopped(stop, echo)
    finally:
        service.stop()
        journal.close()
