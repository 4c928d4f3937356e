"""`conformance serve --socle mssante`: the mock operator on its own, for a DUI under development, or curl.

A vendor points a DUI (or curl, Thunderbird, a script) at it, and reads what was captured in
`<out_dir>/evidence` afterwards, with `conformance validate` on any message or session record.
`describe` gives the settings section a DUI needs (the driver protocol's `mssante` section), for the
banner and for `conformance kit`; the fixed default ports are the socle's `Service.ports`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conformance import identities
from conformance.engine.standalone import recording, wait_until_stopped
from conformance.socles.mssante.fixtures import NIL
from conformance.socles.mssante.service.operator import SIZE_LIMIT, Operator


def describe(host: str, ports: Mapping[str, int], files: Mapping[str, str]) -> dict[str, Any]:
    """The `mssante` settings section (docs/driver-protocol.md) for an operator on `host` and `ports`."""
    return {
        "host": host,
        "smtp_port": ports["smtp"],
        "imap_port": ports["imap"],
        "size_limit": SIZE_LIMIT,
        "ca_bundle": files["ca_bundle"],
        "crl": files["crl"],
        "client_cert": files["client_cert"],
        "client_key": files["client_key"],
        "bal": identities.dui_bal(),
        "nil": NIL,
        "whitelist": identities.whitelist(),
        "patients": identities.patients(),
    }


def banner(s: Mapping[str, Any], whitelist: list[str], evidence: Path) -> str:
    bal = str(s["bal"]["address"])
    doctor = str(identities.professional("doctor")["address"])
    return "\n".join(
        [
            "Mock MSSanté operator (TEST PKI, loopback only)",
            f"  SMTP submission (STARTTLS): {s['host']}:{s['smtp_port']}",
            f"  IMAP (STARTTLS):            {s['host']}:{s['imap_port']}",
            f"  CA bundle:   {s['ca_bundle']}",
            f"  CRL:         {s['crl']}",
            f"  client cert: {s['client_cert']}   (ORG certificate of BAL {bal})",
            f"  client key:  {s['client_key']}",
            f"  size limit:  {s['size_limit']} bytes;  liste blanche: {', '.join(sorted(whitelist))}",
            f"  evidence:    {evidence}",
            "Example:",
            f"  curl --ssl-reqd smtp://{s['host']}:{s['smtp_port']} --mail-from {bal} --mail-rcpt {doctor} "
            f"--upload-file message.eml --cacert {s['ca_bundle']} --crlfile {s['crl']} "
            f"--cert {s['client_cert']} --key {s['client_key']}",
            "Stop with Ctrl-C.",
        ]
    )


def run_standalone(
    out_dir: Path,
    host: str = "127.0.0.1",
    ports: Mapping[str, int] | None = None,
    stop_event: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until Ctrl-C or `stop_event`; the journal is closed (index written) on the way out.

    `ports` by name, as the socle declares them: `smtp` (submission) and `imap` (0: any free port).
    """
    ports = ports or {}
    with recording(out_dir) as (pki, journal):
        whitelist = identities.whitelist()
        smtp, imap = ports.get("smtp", 0), ports.get("imap", 0)
        with Operator(journal, pki, host=host, whitelist=whitelist, smtp_port=smtp, imap_port=imap) as op:
            settings = describe(host, {"smtp": op.smtp_port, "imap": op.imap_port}, pki.describe())
            echo(banner(settings, whitelist, journal.root))
            wait_until_stopped(stop_event or threading.Event(), echo)
