"""Kind detection and validate on adversarial prologues, and kind detection on the ANS example CDAs.

Usage: python bench/bench_sniff.py [--corpus ../shared/corpus] [--rounds 20]
Issue 12: a regex over a 64 KB byte window cost 9 s on 64 KB of unterminated `<?`; the bounded lxml
pull parse answers in linear time. Prints the median and worst `validate` time per adversarial input
(goal: < 0.1 s each; on a shared machine the worst of 20 includes scheduling pauses, the median does
not) and the sniffing rate over the corpus CDAs (whole documents, self-presentable included).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from conformance.engine.validate import detect_kind, validate_bytes

ADVERSARIAL = {
    "64 KB unterminated <?": b"<?" + b"x" * 65536,
    "32768 x <?": b"<?" * 32768,
    "64 KB of <": b"<" * 65536,
    "endless comment": b"<?xml version='1.0'?><!--" + b"-" * 65536,
    "4400 entity declarations": b"<!DOCTYPE a [" + b"<!ENTITY a 'b'>" * 4400 + b"]><a/>",
    "CDA behind a 100 KB comment": b"<!--" + b" x " * 34000 + b"--><ClinicalDocument xmlns='urn:hl7-org:v3'/>",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    validate_bytes("warm", b"<a/>")  # imports every socle's checks once
    for name, data in ADVERSARIAL.items():
        validate_bytes(name, data)  # the first CDA loads the value sets and compiles the XPaths: not timed
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            result = validate_bytes(name, data)
            times.append(time.perf_counter() - started)
        print(
            f"validate {name:30} {len(data):>7} bytes: kind {result.kind:8} "
            f"median {statistics.median(times) * 1000:6.1f} ms, worst {max(times) * 1000:6.1f} ms"
        )
    folder = args.corpus / "cda"
    if folder.is_dir():
        docs = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.xml"))]
        rates = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            kinds = [detect_kind(n, d) for n, d in docs]
            rates.append(len(docs) / (time.perf_counter() - started))
        print(
            f"detect_kind over {len(docs)} ANS example CDAs: {kinds.count('cda')} recognised as cda, "
            f"median {statistics.median(rates):.0f} documents/s"
        )


if __name__ == "__main__":
    main()
