"""Cost of real PDF/A-1b: building the demo's PDFs with embedded fonts, and checking a PDF on its content.

Usage: python bench/bench_pdfa.py [--seconds 3] [--preflight]
Prints PDFs built per second (the MSSanté copy builder, fonts already reduced), PDFs checked per second by
conformance.formats.pdfa (cold: no report cache), and with --preflight the seconds one Apache PDFBox
Preflight run takes (a JVM per PDF).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.formats import preflight  # noqa: E402
from conformance.formats.pdf import build_pdf, fonts  # noqa: E402
from conformance.formats.pdfa import check_pdfa  # noqa: E402

CREATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def build(i: int) -> bytes:
    lines = [f"Usager : MARTIN-ESSAI Jeanne, ligne {n} du compte rendu n° {i}" for n in range(20)]
    return build_pdf(f"Compte rendu {i}", lines, author="Dr ESSAI", created=CREATED)


def rate(fn: object, seconds: float) -> tuple[float, int]:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(n)  # type: ignore[operator]
        n += 1
    return n / (time.perf_counter() - start), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--preflight", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()
    fonts()
    print(f"fonts ready (cached or reduced now): {time.perf_counter() - started:.2f} s")
    built, n = rate(build, args.seconds)
    print(f"build_pdf: {built:.0f} PDFs/s ({n} PDFs, {1000 / built:.1f} ms each)")
    sample = [build(i) for i in range(20)]
    checked, n = rate(lambda i: check_pdfa(sample[i % len(sample)]), args.seconds)
    print(f"check_pdfa: {checked:.0f} PDFs/s ({n} checks, {1000 / checked:.1f} ms each)")
    if args.preflight:
        tool = preflight.find("preflight")
        started = time.perf_counter()
        verdict = tool.validate(sample[0])
        print(f"{tool.label}: {time.perf_counter() - started:.2f} s for one PDF (valid={verdict.valid})")


if __name__ == "__main__":
    main()
