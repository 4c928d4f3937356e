"""`conformance serve --socle mssante`: the mock operator on its own, for manual tests and other tools.

A vendor points a DUI (or curl, Thunderbird, a script) at it, and reads what was captured in
`<out_dir>/evidence` afterwards, with `conformance validate` on any message or session record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from conformance import identities
from conformance.engine.standalone import recording, wait_until_stopped
from conformance.socles.mssante.service.operator import Operator


def banner(op: Operator, evidence: Path) -> str:
    s = op.settings()
    bal = str(identities.dui_bal()["address"])
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
            f"  size limit:  {s['size_limit']} bytes;  liste blanche: {', '.join(sorted(op.whitelist))}",
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
            echo(banner(op, journal.root))
            wait_until_stopped(stop_event or threading.Event(), echo)
