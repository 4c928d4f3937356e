"""Throughput of the DMP CDA header checks over the official example CDAs (goal: >= 300 documents/s).

Usage: python bench/bench_cda.py [--corpus ../shared/corpus] [--rounds 10]
Each document is checked from its bytes (hardened parse included), as `conformance validate` does,
with the official value sets of the corpus (`--terminology` equivalent). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from conformance.model import Artifact, CheckContext
from conformance.socles.dmp.checks.cda import check_cda
from conformance.terminology import set_terminology_dir

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT / ".." / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    folder = args.corpus / "cda"
    if not folder.is_dir():
        raise SystemExit(f"{folder} not found")
    set_terminology_dir(args.corpus / "jdv")
    docs = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.xml"))]
    ctx = CheckContext()
    for _ in range(2):  # warm-up: value sets loaded, XPaths compiled, allocator settled
        for name, data in docs:
            list(check_cda(Artifact("cda", name, data), ctx))
    rates: list[float] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for name, data in docs:
            list(check_cda(Artifact("cda", name, data), ctx))
        rates.append(len(docs) / (time.perf_counter() - started))
    size = sum(len(d) for _, d in docs) / 1e6
    print(
        f"DMP CDA header checks: {len(docs)} documents ({size:.1f} MB), {args.rounds} rounds: "
        f"median {statistics.median(rates):.0f} documents/s, min {min(rates):.0f}, max {max(rates):.0f}"
    )


if __name__ == "__main__":
    main()
