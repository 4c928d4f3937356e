"""Throughput of the mock MSSanté operator: concurrent TLS submitters, nothing lost.

    .venv/bin/python bench/bench_operator.py [--clients 20] [--messages 25] [--deadline 60] [--mode both]

The operator runs in its own process (`run_standalone`, as `conformance serve` does), so the
submitters do not compete with it for the interpreter lock. Each client is a thread with smtplib:
STARTTLS with the ORG client certificate, then its messages, either over one session ("session"
mode, how a DUI batches) or one TLS connection per message ("connection" mode: a full mutual-TLS
handshake each time). Prints messages per second and the messages lost, comparing what the clients
saw accepted with what the operator wrote to its evidence journal (must be 0). Not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import smtplib
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from conformance import identities
from conformance.engine.evidence import read_journal
from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service.clients import test_message
from conformance.socles.mssante.service.tlsconf import client_ssl_context

BAL = str(identities.dui_bal()["address"])
DOCTOR = str(identities.professional("doctor")["address"])


def _serve(out_dir: str, banners: Any, stop: Any) -> None:
    from conformance.socles.mssante.service.standalone import run_standalone

    run_standalone(Path(out_dir), stop_event=stop, echo=banners.put)


def _send_all(
    port: int, pki: TestPKI, mode: str, clients: int, messages: int, deadline: float
) -> tuple[list[bytes], list[str], float]:
    accepted: list[bytes] = []
    errors: list[str] = []
    lock = threading.Lock()
    context = client_ssl_context(pki)
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        start.wait()
        smtp: smtplib.SMTP | None = None
        try:
            for n in range(messages):
                if time.perf_counter() > stop_at[0]:
                    break
                if smtp is None:
                    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
                    smtp.starttls(context=context)
                    smtp.ehlo()
                data = test_message(BAL, [DOCTOR], subject=f"bench {mode} {index}-{n}", padding=2000)
                smtp.sendmail(BAL, [DOCTOR], data)
                with lock:
                    accepted.append(data)
                if mode == "connection":
                    smtp.quit()
                    smtp = None
        except (smtplib.SMTPException, OSError) as exc:
            with lock:
                errors.append(f"client {index}: {exc}")
        finally:
            if smtp is not None:
                smtp.quit()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    stop_at[0] = began + deadline
    start.wait()
    for t in threads:
        t.join(timeout=deadline + 30)
    return accepted, errors, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25, help="per client")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds; clients stop sending after it")
    parser.add_argument("--mode", choices=["session", "connection", "both"], default="both")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        banners, stop = ctx.Queue(), ctx.Event()
        server = ctx.Process(target=_serve, args=(tmp, banners, stop), daemon=True)
        server.start()
        banner = str(banners.get(timeout=60))
        port = int(re.search(r"SMTP submission \(STARTTLS\): [\d.]+:(\d+)", banner).group(1))  # type: ignore[union-attr]
        pki = TestPKI.load_or_create(Path(tmp) / "pki")
        results: list[tuple[str, list[bytes], list[str], float]] = []
        for mode in ["session", "connection"] if args.mode == "both" else [args.mode]:
            accepted, errors, seconds = _send_all(port, pki, mode, args.clients, args.messages, args.deadline)
            results.append((mode, accepted, errors, seconds))
        stop.set()
        server.join(timeout=60)
        evidence = Path(tmp) / "evidence"
        entries = [e for e in read_journal(evidence) if e["kind"] == "message"]
        journaled = {(evidence / e["path"]).read_bytes() for e in entries}
        for mode, accepted, errors, seconds in results:
            lost = sum(1 for d in accepted if d not in journaled)
            print(
                f"{mode:10} {args.clients} clients: {len(accepted)} messages in {seconds:.2f} s = "
                f"{len(accepted) / seconds:.0f} msg/s; lost {lost}; client errors {len(errors)}"
            )
            if errors:
                print(f"           first error: {errors[0]}")


if __name__ == "__main__":
    main()
