"""Throughput of the MSSanté artifact checks (goal: >= 200 messages/s on one core).

Usage: python bench/bench_checks.py [--seconds 3]
The message carries an IHE_XDM.zip with two CDA documents and their two PDF/A-1 copies. Every
iteration starts from a cold cache (parse MIME, unzip, parse METADATA.XML and both CDA, open both
PDFs, run every e-mail rule), which is what a scenario or `conformance validate` pays per message.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.model import Artifact, CheckContext  # noqa: E402
from conformance.registry import run_checks  # noqa: E402
from conformance.socle import get_socle  # noqa: E402
from conformance.socles.mssante.checks.cache import clear_cache  # noqa: E402
from tests.socles.mssante.helpers import NIL, Doc, build_message  # noqa: E402

GOAL = 200.0


def message() -> bytes:
    dlu = Doc(
        code="74207-2",
        display="Document de liaison d'urgence",
        file_name="DOC0002.XML",
        effective="20261121081000+0100",
        service_start="20261121",
    )
    return build_message([Doc(), dlu])


def run_once(data: bytes, ctx: CheckContext) -> int:
    clear_cache()
    return len(run_checks(Artifact("email", "message.eml", data), ctx, ["mssante"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    get_socle("mssante").load_checks()
    data = message()
    ctx = CheckContext(expected_nil=NIL, sender_bal_type="APP")
    findings = run_once(data, ctx)  # warm-up: imports, value sets
    rates: list[float] = []
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 0.5:
            run_once(data, ctx)
            n += 1
        rates.append(n / (time.perf_counter() - start))
    rate, best = statistics.median(rates), max(rates)
    print(
        f"MSSanté e-mail checks: {rate:.0f} messages/s median, {best:.0f}/s best of {len(rates)} half-second "
        f"samples ({len(data)} bytes, 2 CDA + 2 PDF, {findings} findings per message); goal >= {GOAL:.0f}/s: "
        f"{'met' if rate >= GOAL else 'NOT met'} (median; best = least CPU contention)"
    )


if __name__ == "__main__":
    main()
