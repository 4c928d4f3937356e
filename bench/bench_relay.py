"""Latency the recording relays add per exchange, HTTPS and SMTP.

    .venv/bin/python bench/bench_relay.py [--exchanges 200]

The upstream is the harness's own mock services with an independent PKI (the loopback platform of
the tests); each exchange is made once straight to it and once through the relay, by the same client
as a DUI makes it (mutual TLS with a new connection per exchange, as the reference DUI does):
- HTTPS: `GET /fhir/metadata` on the e-prescription stand-in, directly and through `HttpsRelay`;
- DMP: one feed as the reference DUI makes it (TD0.2, then the signed ITI-41 MTOM request), to the mock DMP
  directly and through the DMP relay (which also parses what it relays: MTOM, metadata, the platform's answer);
- SMTP: one message submitted (EHLO, STARTTLS, MAIL, RCPT, DATA, QUIT) to the mock operator directly
  and through the MSSanté relay (which opens its own session with the operator for it).
Prints the median and 95th percentile per exchange of each path and the difference, the relay's cost:
two TLS handshakes instead of one, and the recording. Not a test.
"""

from __future__ import annotations

import argparse
import http.client
import smtplib
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance import identities  # noqa: E402
from conformance.engine.capture.profile import read_profile  # noqa: E402
from conformance.engine.capture.sandbox import SandboxRun  # noqa: E402
from conformance.engine.evidence import EvidenceJournal  # noqa: E402
from conformance.formats.pki import TestPKI, pki_cache_dir  # noqa: E402
from conformance.socle import get_socle  # noqa: E402
from conformance.socles.dmp.fixtures import document  # noqa: E402
from conformance.socles.dmp.reference.part import DmpPart  # noqa: E402
from conformance.socles.dmp.relay.service import DmpRelay  # noqa: E402
from conformance.socles.eprescription.relay.service import PrescriptionRelay  # noqa: E402
from conformance.socles.mssante.relay.operator import RelayOperator  # noqa: E402
from conformance.socles.mssante.service.clients import test_message  # noqa: E402
from tests.engine.capture.helpers import LoopbackPlatform  # noqa: E402

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])


def paired(direct: Callable[[], None], relayed: Callable[[], None], n: int) -> tuple[list[float], list[float]]:
    """n exchanges on each path, interleaved (the order alternating), so the noise of a shared machine falls on
    both paths alike."""
    direct()  # warm: contexts, imports, first handshake
    relayed()
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        for which in (0, 1) if i % 2 == 0 else (1, 0):
            start = time.perf_counter()
            (direct, relayed)[which]()
            times[which].append((time.perf_counter() - start) * 1000)
    return times


def https_get(port: int, pki: TestPKI, host: str, path: str) -> Callable[[], None]:
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
    ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))

    def once() -> None:
        conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=30)
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        assert resp.status == 200, resp.status

    return once


def smtp_send(port: int, pki: TestPKI) -> Callable[[], None]:
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
    ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    message = test_message(BAL, [DOCTOR])

    def once() -> None:
        with smtplib.SMTP("localhost", port, timeout=30) as smtp:
            smtp.starttls(context=ctx)
            smtp.sendmail(BAL, [DOCTOR], message)

    return once


def dmp_feed(settings: dict[str, Any]) -> Callable[[], None]:
    part = DmpPart()
    part.configure(settings)
    params = {"patient": identities.patient("resident-qualified"), "document": document("suivi")}

    def once() -> None:
        outcome = part.feed(dict(params))
        assert outcome.status == "ok", outcome.detail

    return once


def report(label: str, direct: list[float], relayed: list[float]) -> None:
    def q95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[-1]

    med_d, med_r = statistics.median(direct), statistics.median(relayed)
    print(
        f"{label:<9} direct median {med_d:7.2f} ms  p95 {q95(direct):7.2f} ms | through the relay median "
        f"{med_r:7.2f} ms  p95 {q95(relayed):7.2f} ms | added per exchange {med_r - med_d:+7.2f} ms (median)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=200)
    args = parser.parse_args()
    harness = TestPKI.load_or_create(pki_cache_dir())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with LoopbackPlatform(root / "platform", ("mssante", "dmp", "eprescription"), pki_dir=root / "pki") as platform:
            socles = [get_socle("mssante"), get_socle("dmp"), get_socle("eprescription")]
            profile = read_profile(platform.profile(root / "p.toml"), socles)
            run = SandboxRun(profile, [])
            journal = EvidenceJournal(root / "relay")
            ep = PrescriptionRelay(journal, harness, run, profile.platforms["eprescription"])
            ep.start()
            op = RelayOperator(journal, harness, run, profile.platforms["mssante"], whitelist=identities.whitelist())
            op.start()
            dmp = DmpRelay(journal, harness, run, profile.platforms["dmp"])
            dmp.start()
            try:
                upstream_ep = platform.services["eprescription"].port
                direct, relayed = paired(
                    https_get(upstream_ep, platform.pki, "127.0.0.1", "/fhir/metadata"),
                    https_get(ep.port, harness, "localhost", "/metadata"),  # below the relay's base
                    args.exchanges,
                )
                report("HTTPS", direct, relayed)
                direct, relayed = paired(
                    dmp_feed(platform.services["dmp"].settings()), dmp_feed(dmp.settings()), args.exchanges
                )
                report("DMP feed", direct, relayed)  # two exchanges: TD0.2 and ITI-41
                upstream_op = platform.services["mssante"].smtp_port
                direct, relayed = paired(
                    smtp_send(upstream_op, platform.pki), smtp_send(op.smtp_port, harness), args.exchanges
                )
                op.wait_idle(timeout=30)
                report("SMTP", direct, relayed)
                print(f"{args.exchanges} exchanges per path; relay journal: {len(journal.refs())} records")
            finally:
                dmp.stop()
                op.stop()
                ep.stop()
                journal.close()


if __name__ == "__main__":
    main()
