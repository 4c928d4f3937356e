"""Throughput of the DMP CDA header checks over the official example CDAs (goal: >= 300 documents/s).

Usage: python bench/bench_cda.py [--corpus ../shared/corpus] [--rounds 10]
Each document is checked from its bytes (hardened parse included) by every DMP check of the "cda" kind,
as `conformance validate` does,
with the official value sets of the corpus (`--terminology` equivalent). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from conformance.formats.terminology import set_terminology_dir
from conformance.model import Artifact, CheckContext
from conformance.registry import run_checks
from conformance.socle import get_socle

ROOT = Path(__file__).resolve().parents[1]


def measure(corpus: Path, rounds: int = 10) -> dict[str, Any]:
    folder = corpus / "cda"
    if not folder.is_dir():
        raise SystemExit(f"{folder} not found")
    set_terminology_dir(corpus / "jdv")
    docs = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.xml"))]
    ctx = CheckContext()
    get_socle("dmp").load_checks()
    for _ in range(2):  # warm-up: value sets loaded, XPaths compiled, allocator settled
        for name, data in docs:
            run_checks(Artifact("cda", name, data), ctx, ["dmp"])
    rates: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for name, data in docs:
            run_checks(Artifact("cda", name, data), ctx, ["dmp"])
        rates.append(len(docs) / (time.perf_counter() - started))
    return {
        "documents": len(docs),
        "megabytes": sum(len(d) for _, d in docs) / 1e6,
        "rounds": rounds,
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
    }


def describe(m: dict[str, Any]) -> str:
    return (
        f"DMP CDA header checks: {m['documents']} documents ({m['megabytes']:.1f} MB), {m['rounds']} rounds: "
        f"median {m['median']:.0f} documents/s, min {m['min']:.0f}, max {m['max']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT / ".." / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(describe(measure(args.corpus, args.rounds)))


if __name__ == "__main__":
    main()
