"""Wall time of a full socle run with the reference DUI (goal for MSSanté: <= 10 s on 2 cores).

Usage: python bench/bench_run.py [--socle mssante] [--socle dmp ...] [--repeat 3]
Runs `conformance run` in a subprocess (what a vendor's CI does) and prints the timings. Several
--socle make one run of those socles together (e.g. e-prescription with its cross-socle scenarios).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def cpu_of_children() -> float:
    """CPU seconds (user + system) used so far by this process's finished children and their own."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(socles: list[str], repeat: int = 3, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Wall times of `repeat` full runs of `socles` together (`extra`: more `conformance run` options, e.g.
    `-j 2`); raises SystemExit if a run does not pass. Also returns the last run's requirement verdicts."""
    exe = Path(sys.executable).parent / "conformance"
    times: list[float] = []
    cpu: list[float] = []
    scenarios = skipped = 0
    verdicts: dict[tuple[str, str], str] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            started = time.perf_counter()
            before = cpu_of_children()
            selected = [a for s in socles for a in ("--socle", s)]
            proc = subprocess.run(
                [str(exe), "run", *selected, "--dui", "demo", "--out", str(out), *extra],
                capture_output=True,
                text=True,
                timeout=600,
            )
            times.append(time.perf_counter() - started)
            cpu.append(cpu_of_children() - before)
            if proc.returncode != 0:
                print(proc.stdout[-3000:], proc.stderr[-3000:])
                raise SystemExit(f"run failed with exit {proc.returncode}")
            results = json.loads((out / "results.json").read_text())
            ran = [x for s in socles for x in results["socles"][s]["scenarios"]]
            scenarios = len(ran)
            skipped = sum(1 for x in ran if x["outcome"] == "skipped")
            verdicts = {
                (s, rid): r["verdict"] for s in socles for rid, r in results["socles"][s]["requirements"].items()
            }
    return {
        "socles": socles,
        "scenarios": scenarios,
        "skipped": skipped,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "repeat": repeat,
        "cpu": statistics.median(cpu),
        "extra": list(extra),
        "verdicts": verdicts,
    }


def describe(m: dict[str, Any]) -> str:
    return (
        f"full {' + '.join(m['socles'])} run{' ' + ' '.join(m['extra']) if m['extra'] else ''} with the demo DUI: "
        f"{m['scenarios']} scenarios ({m['skipped']} "
        f"skipped), wall time median {m['median']:.2f} s, min {m['min']:.2f} s, max {m['max']:.2f} s "
        f"over {m['repeat']} runs (process start included); CPU (user + system, all processes) median {m['cpu']:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socle", action="append", help="socle to run (repeatable; default mssante)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(describe(measure(args.socle or ["mssante"], args.repeat)))


if __name__ == "__main__":
    main()
