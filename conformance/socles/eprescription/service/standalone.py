"""`conformance serve --socle eprescription`: the stand-in e-prescription service on its own.

The service the e-prescription suite uses (FHIR R4 REST over mutual TLS, docs/eprescription-contract.md):
a vendor points a DUI under development (or curl) at it, registers and cancels ordonnances, and runs
`conformance validate` on the Bundles kept in `<out_dir>/evidence`. It is the harness's documented
stand-in for the CNAM téléservice, whose contract is not public. `describe` gives the settings section
a DUI needs (the driver protocol's `eprescription` section).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conformance import identities
from conformance.engine.standalone import LOOPBACK, loopback_recording, serve_until_stopped

from .app import MAX_BODY
from .server import PrescriptionService
from .store import NUMBER_SYSTEM


def describe(host: str, ports: Mapping[str, int], files: Mapping[str, str]) -> dict[str, Any]:
    """The `eprescription` settings section (docs/driver-protocol.md) for the service on `ports`."""
    return {
        "base_url": f"https://{LOOPBACK}:{ports['https']}/fhir",
        "ca_bundle": files["ca_bundle"],
        "client_cert": files["client_cert"],
        "client_key": files["client_key"],
        "max_body": MAX_BODY,
        "number_system": NUMBER_SYSTEM,
        "patients": identities.patients(),
    }


def banner(s: Mapping[str, Any], evidence: Path) -> str:
    return "\n".join(
        [
            "E-prescription stand-in service (FHIR R4 over mutual TLS; TEST PKI, loopback only;",
            "  not the CNAM téléservice: see docs/eprescription-contract.md)",
            f"  base URL:     {s['base_url']}   (POST Bundle, GET Bundle/<number>, POST Bundle/<number>/$cancel)",
            f"  CA bundle:    {s['ca_bundle']}",
            f"  client cert:  {s['client_cert']}   (structure authentication certificate, mutual TLS)",
            f"  client key:   {s['client_key']}",
            f"  numbers:      {s['number_system']};  body limit {s['max_body']} bytes",
            f"  evidence:     {evidence}",
            "Example:",
            f"  curl --cacert {s['ca_bundle']} --cert {s['client_cert']} --key {s['client_key']} "
            f"{s['base_url']}/metadata",
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
    """Serve until Ctrl-C or `stop_event`; `ports`: `https` (0: any free port); loopback only."""
    with loopback_recording(out_dir, host, "e-prescription stand-in") as (pki, journal):
        service = PrescriptionService(journal, pki, host=host, port=(ports or {}).get("https", 0))
        shown = lambda: banner(describe(host, {"https": service.port}, pki.describe()), journal.root)  # noqa: E731
        serve_until_stopped(service, shown, stop_event, echo)
