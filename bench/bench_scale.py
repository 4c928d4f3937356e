"""Issue 16's figures side by side, in one command: parallel runs, batch validation, memory, the pack.

Usage: python bench/bench_scale.py [--corpus ../shared/corpus] [--copies 100] [--pack ../TestContenuCDA-3-0]
                                   [--repeat 3] [--skip run,throughput,pack,memory,schematron]

1. run: every socle with the demo DUI, serial then `-j 2` (process start included), same verdicts;
2. throughput: `conformance validate --jsonl` over the corpus copied `--copies` times, 1 then 2 jobs:
   CDA documents alone (goal >= 500/s with 2 jobs), then the whole corpus (CDA, XDM, FHIR Bundles);
3. pack: the CDA copies through the official schematron pack (`--schematron-pack`, `auto`), 2 jobs
   (goal >= 40/s; each worker compiles the volets' schematrons once);
4. memory: peak resident memory of a `--jsonl` batch of 1,000 and of 10,000 files (goal: within 10 %);
5. schematron: the pack through our runner vs the way TestContenuCDA runs it (bench_schematron.py),
   when java and the Saxon-HE jar are there.
Every `validate` runs in a subprocess with its output to /dev/null, as a vendor's CI would pipe it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "conformance"


def copies(sources: list[Path], target: Path, times: int, limit: int | None = None) -> int:
    """`times` copies of every file of `sources` under `target` (hard links where the disk allows)."""
    files = [f for src in sources for f in sorted(src.rglob("*")) if f.is_file()]
    made = 0
    for i in range(times):
        folder = target / f"copy-{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            if limit is not None and made >= limit:
                return made
            dst = folder / f"{f.parent.name}-{f.name}"
            try:
                os.link(f, dst)
            except OSError:
                shutil.copyfile(f, dst)
            made += 1
    return made


def validate(paths: list[Path], *args: str) -> tuple[float, float]:
    """Wall time and CPU seconds (all its processes) of one `conformance validate --jsonl ARGS PATHS`."""
    started, before = time.perf_counter(), bench_run.cpu_of_children()
    proc = subprocess.run(
        [str(EXE), "validate", "--jsonl", "--no-progress", *args, *map(str, paths)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"validate failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return time.perf_counter() - started, bench_run.cpu_of_children() - before


def peak_rss(paths: list[Path], *args: str) -> int:
    """Peak RSS (KiB) of the largest process of one `validate --jsonl` (GNU time: it and the workers it waited for)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(EXE), "validate", "--jsonl", "--no-progress", *args, *map(str, paths)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    return int(proc.stderr.strip().splitlines()[-1])


def section(name: str, skip: set[str], fn: Callable[[], None]) -> None:
    if name in skip:
        print(f"[{name}] skipped")
        return
    fn()
    print(f"[{name}] load average {os.getloadavg()[0]:.2f} after", flush=True)


def bench_runs(repeat: int) -> None:
    socles = ["dmp", "eprescription", "mssante"]
    serial = bench_run.measure(socles, repeat)
    parallel = bench_run.measure(socles, repeat, ("-j", "2"))
    print("[run] " + bench_run.describe(serial))
    print("[run] " + bench_run.describe(parallel) + "  [goal <= 4.5 s]")
    same = serial["verdicts"] == parallel["verdicts"]
    print(
        f"[run] -j 2 / serial: {parallel['median'] / serial['median']:.2f} of the wall time; "
        f"requirement verdicts identical: {same} ({len(serial['verdicts'])} requirements)"
    )


def bench_throughput(corpus: Path, work: Path, times: int) -> None:
    cda = work / "cda"
    n_cda = copies([corpus / "cda"], cda, times)
    whole = work / "whole"
    n_whole = copies([corpus / "cda", corpus / "xdm", corpus / "eprescription"], whole, times)
    for label, folder, n, goal in (
        ("CDA documents", cda, n_cda, "  [goal >= 500/s with 2 jobs]"),
        ("whole corpus (CDA, XDM, FHIR)", whole, n_whole, ""),
    ):
        for jobs in (1, 2):
            wall, cpu = validate([folder], "--jobs", str(jobs))
            print(
                f"[throughput] {label} x{times} ({n} files), --jobs {jobs}: {wall:.1f} s, {n / wall:.0f} files/s; "
                f"CPU {cpu:.1f} s ({n / cpu:.0f} files per CPU-second){goal if jobs == 2 else ''}"
            )


def bench_pack(corpus: Path, work: Path, pack: Path, times: int) -> None:
    if not (pack / "schematrons").is_dir():
        print(f"[pack] skipped: no pack at {pack} (give --pack, a clone of ansforge/TestContenuCDA-3-0)")
        return
    folder = work / "pack"
    n = copies([corpus / "cda"], folder, times)
    wall, cpu = validate([folder], "--jobs", "2", "--schematron-pack", str(pack))
    print(
        f"[pack] CDA documents x{times} ({n} files) with the official pack (auto), --jobs 2: {wall:.1f} s, "
        f"{n / wall:.1f} documents/s; CPU {cpu:.1f} s ({n / cpu:.1f} per CPU-second; schematron compilation "
        "once per worker included)  [goal >= 40/s]"
    )


def bench_memory(corpus: Path, work: Path) -> None:
    small, large = work / "mem-1000", work / "mem-10000"
    copies([corpus / "cda"], small, 1000 // 62 + 1, limit=1000)
    copies([corpus / "cda"], large, 10000 // 62 + 1, limit=10000)
    for jobs in (1, 2):
        a = peak_rss([small], "--jobs", str(jobs))
        b = peak_rss([large], "--jobs", str(jobs))
        print(
            f"[memory] --jsonl --jobs {jobs}: peak RSS of the largest process {a / 1024:.0f} MiB for 1,000 files, "
            f"{b / 1024:.0f} MiB for 10,000 files ({(b - a) / a * 100:+.1f} %)  [goal: within 10 %]"
        )


def bench_schematron(pack: Path) -> None:
    if not (pack / "schematrons").is_dir():
        print(f"[schematron] skipped: no pack at {pack}")
        return
    import bench_schematron

    docs = bench_schematron.pick_documents(pack, 20, ("auto",))
    r: dict[str, Any] = bench_schematron.measure(pack, docs)
    print(
        f"[schematron] ours: {r['documents']} documents, cold compile {r['ours_cold_compile_s']:.1f} s + runs "
        f"{r['ours_runs_s']:.2f} s"
    )
    if "java_skipped" in r:
        print(f"[schematron] TestContenuCDA way: skipped: {r['java_skipped']}")
        return
    print(
        f"[schematron] TestContenuCDA way ({r['java_processes']} Java processes): {r['java_total_s']:.1f} s; "
        f"ours {r['ratio_total']:.1f}x faster, same failed assertions {r['agreement']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--pack", type=Path, default=ROOT.parent / "TestContenuCDA-3-0")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated sections to skip")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    section("run", skip, lambda: bench_runs(args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        section("throughput", skip, lambda: bench_throughput(args.corpus, work, args.copies))
        section("pack", skip, lambda: bench_pack(args.corpus, work, args.pack, max(1, args.copies // 10)))
        section("memory", skip, lambda: bench_memory(args.corpus, work))
    section("schematron", skip, lambda: bench_schematron(args.pack))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
