"""The DMP socle's figures in one run (issue #3): CDA header checks per second over the corpus, the
official schematron pack through our runner against TestContenuCDA's way, ITI-41 submissions per
second accepted by the mock with VIHF verification, and the full DMP run wall time.

Usage: python bench/bench_dmp.py [--corpus ../shared/corpus] [--pack ../TestContenuCDA-3-0] [--docs 20]
Each part is also a bench of its own (bench_cda.py, bench_schematron.py, bench_iti41.py,
bench_run.py); a part whose input is missing (no corpus, no pack, no Java) says so and the others
still run. Goals: >= 300 documents/s, >= 10x with the same verdicts, >= 50 submissions/s, <= 10 s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cda  # noqa: E402
import bench_iti41  # noqa: E402
import bench_run  # noqa: E402
import bench_schematron  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--pack", type=Path, default=ROOT.parent / "TestContenuCDA-3-0")
    parser.add_argument("--docs", type=int, default=20, help="documents for the schematron comparison")
    parser.add_argument("--requests", type=int, default=300, help="ITI-41 requests")
    parser.add_argument("--repeat", type=int, default=3, help="full DMP runs")
    args = parser.parse_args()
    if (args.corpus / "cda").is_dir():
        print("1. " + bench_cda.describe(bench_cda.measure(args.corpus)) + "  [goal >= 300/s]")
    else:
        print(f"1. CDA header checks: skipped, no corpus at {args.corpus}")
    if (args.pack / "schematrons").is_dir():
        names = ("auto",)
        r = bench_schematron.measure(args.pack, bench_schematron.pick_documents(args.pack, args.docs, names), names)
        head = (
            f"2. official schematron pack, {r['documents']} documents: ours {r['ours_total_s']:.1f} s "
            f"(compile {r['ours_cold_compile_s']:.1f} s + runs {r['ours_runs_s']:.2f} s)"
        )
        if "java_skipped" in r:
            print(f"{head}; TestContenuCDA way skipped: {r['java_skipped']}")
        else:
            print(
                f"{head}; TestContenuCDA way {r['java_total_s']:.1f} s ({r['java_processes']} Java processes): "
                f"{r['ratio_total']:.1f}x faster, same failed assertions {r['agreement']}  [goal >= 10x, same]"
            )
    else:
        print(
            f"2. schematron pack: skipped, no TestContenuCDA checkout at {args.pack} (git clone "
            "https://github.com/ansforge/TestContenuCDA-3-0)"
        )
    m = bench_iti41.measure(args.requests)
    print(
        f"3. ITI-41 on the mock DMP: {m['accepted']}/{m['requests']} accepted by {m['clients']} mTLS clients: "
        f"{m['per_second']:.0f} submissions/s with VIHF verification  [goal >= 50/s]"
    )
    print("4. " + bench_run.describe(bench_run.measure(["dmp"], args.repeat)) + "  [goal <= 10 s]")


if __name__ == "__main__":
    main()
