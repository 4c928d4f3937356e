"""`conformance serve --socle dmp`: the mock DMP on its own, for a DUI under development, curl or SoapUI.

A vendor points its DUI at the printed URLs with the printed test certificates, feeds, searches
and reads back, then runs `conformance validate` on the requests kept in `<out_dir>/evidence`.
The service is the one the DMP suite uses (docs/dmp-contract.md): loopback only, test PKI only.
`describe` gives the settings section a DUI needs (the driver protocol's `dmp` section).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conformance import identities
from conformance.engine.standalone import loopback_recording, serve_until_stopped

from . import td02
from .app import HOST, PATH, QUERY_PATH, RETRIEVE_PATH, DmpService

LOOPBACK = HOST  # the mock DMP is reached by this name only


def describe(host: str, ports: Mapping[str, int], files: Mapping[str, str]) -> dict[str, Any]:
    """The `dmp` settings section (docs/driver-protocol.md) for the mock DMP on `ports`."""
    base = f"https://{LOOPBACK}:{ports['https']}"
    return {
        "url": base + PATH,
        "query_url": base + QUERY_PATH,
        "retrieve_url": base + RETRIEVE_PATH,
        "td02_url": base + td02.PATH,
        **{k: files[k] for k in ("ca_bundle", "crl", "client_cert", "client_key", "signing_cert", "signing_key")},
        "patients": identities.patients(),
    }


def banner(s: Mapping[str, Any], with_dmp: list[str], evidence: Path) -> str:
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
            f"  patients with a DMP: {', '.join(with_dmp)}",
            f"  evidence:     {evidence}",
            "Example:",
            f"  curl --cacert {s['ca_bundle']} --cert {s['client_cert']} --key {s['client_key']} "
            f"-G --data-urlencode 'identifier={ins}' {s['td02_url']}",
            "Stop with Ctrl-C.",
        ]
    )


def run_standalone(
    out_dir: Path,
    host: str = LOOPBACK,
    ports: Mapping[str, int] | None = None,
    stop_event: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until Ctrl-C or `stop_event`; the journal is closed (index written) on the way out.

    `ports`: `https` (0: any free port). The mock DMP listens on loopback only: another `host` is refused
    before anything starts.
    """
    with loopback_recording(out_dir, host, "mock DMP") as (pki, journal):
        service = DmpService(journal, pki, port=(ports or {}).get("https", 0))

        def shown() -> str:
            settings = describe(host, {"https": service.port}, pki.describe())
            return banner(settings, sorted(r.key for r in service.records.values()), journal.root)

        serve_until_stopped(service, shown, stop_event, echo)
