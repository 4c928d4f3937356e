"""Wall time of a full socle run with the reference DUI (goal for MSSanté: <= 10 s on 2 cores).

Usage: python bench/bench_run.py [--socle mssante] [--repeat 3]
Runs `conformance run` in a subprocess (what a vendor's CI does) and prints the timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socle", default="mssante")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    exe = Path(sys.executable).parent / "conformance"
    times: list[float] = []
    scenarios = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            started = time.perf_counter()
            proc = subprocess.run([str(exe), "run", "--socle", args.socle, "--dui", "demo", "--out", str(out)],
                                  capture_output=True, text=True, timeout=600)
            times.append(time.perf_counter() - started)
            if proc.returncode != 0:
                print(proc.stdout[-3000:], proc.stderr[-3000:])
                raise SystemExit(f"run failed with exit {proc.returncode}")
            results = json.loads((out / "results.json").read_text())
            scenarios = len(results["socles"][args.socle]["scenarios"])
    print(f"full {args.socle} run with the demo DUI: {scenarios} scenarios, wall time "
          f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"over {args.repeat} runs (process start included)")


if __name__ == "__main__":
    main()
