"""Fault bench: `conformance run` killed with SIGKILL at random moments leaves a folder that tells the truth.

    .venv/bin/python bench/soak_kill_run.py [--kills 10] [--socle mssante --socle dmp] [--seed 7]

A first complete run measures how long the suite takes; then each of `--kills` runs is killed (SIGKILL to
its process group: pytest, the mock services, nothing gets to clean up) at a random moment between the
first write of results.json and the measured end. After each kill the folder is checked:
- results.json parses and says "incomplete" (it is rewritten atomically after every scenario);
- every row of the evidence journal (journal.jsonl, flushed per record) names a file that exists and
  has the recorded SHA-256; index.json, rewritten at scenario boundaries, lists only such files;
- files present but not in the journal (written in the instant before the kill) are counted.
Not a test: it prints one line per kill and a summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def _start(out: Path, socles: list[str]) -> subprocess.Popen[bytes]:
    args = [str(BIN / "conformance"), "run", *[a for s in socles for a in ("--socle", s)], "--dui", "demo"]
    return subprocess.Popen(
        [*args, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _inspect(out: Path) -> dict[str, Any]:
    """What the killed run's folder says, and whether its evidence index matches the files present."""
    report: dict[str, Any] = {"results": "absent", "status": None, "done": None}
    try:
        data = json.loads((out / "results.json").read_text(encoding="utf-8"))
        progress = data.get("progress", {})
        report.update(
            results="parses", status=data.get("status"), done=progress.get("done"), total=progress.get("total")
        )
    except FileNotFoundError:
        pass
    except ValueError as exc:
        report["results"] = f"unreadable: {exc}"
    evidence = out / "evidence"
    rows: list[dict[str, Any]] = []
    if (evidence / "journal.jsonl").exists():
        for line in (evidence / "journal.jsonl").read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                report["cut_journal_line"] = True  # the kill cut the last line: tolerated by read_journal
                break
    bad = [r["path"] for r in rows if not _matches(evidence / r["path"], r["sha256"])]
    indexed: list[dict[str, Any]] = []
    if (evidence / "index.json").exists():
        indexed = json.loads((evidence / "index.json").read_text(encoding="utf-8"))["entries"]
    bad_index = [e["path"] for e in indexed if not _matches(evidence / e["path"], e["sha256"])]
    journaled = {r["path"] for r in rows}
    present = {p.name for p in evidence.iterdir()} - {"journal.jsonl", "index.json"} if evidence.exists() else set()
    report.update(
        journal_rows=len(rows),
        journal_mismatches=bad,
        index_rows=len(indexed),
        index_mismatches=bad_index,
        unjournaled_files=sorted(present - journaled),
    )
    return report


def _first_write(proc: subprocess.Popen[bytes], out: Path) -> float:
    """Seconds until the run's first results.json (the recorder exists: from then on the folder must tell)."""
    t0 = time.perf_counter()
    while not (out / "results.json").exists() and proc.poll() is None:
        time.sleep(0.01)
    return time.perf_counter() - t0


def _matches(path: Path, sha256: str) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--socle", action="append", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    socles = args.socle or ["mssante", "dmp"]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        full = _start(Path(tmp) / "full", socles)
        first = _first_write(full, Path(tmp) / "full")
        full.wait(timeout=900)
        duration = time.perf_counter() - started
        name = "+".join(socles)
        print(f"complete run of {name}: {duration:.1f} s (results.json from {first:.1f} s), exit {full.returncode}")
        good = 0
        for i in range(args.kills):
            out = Path(tmp) / f"kill-{i}"
            proc = _start(out, socles)
            first_write = _first_write(proc, out)
            delay = rng.uniform(0.0, max(0.5, (duration - first) * 0.9))
            time.sleep(delay)
            finished = proc.poll() is not None
            if not finished:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            r = _inspect(out)
            # a run killed after recording its end says "complete", which is the truth too
            ok = (
                r["results"] == "parses"
                and (r["status"] == "incomplete" or (r["status"] == "complete" and r["done"] == r["total"]))
                and not r["journal_mismatches"]
                and not r["index_mismatches"]
            )
            good += ok
            print(
                f"kill {i + 1}: at {first_write + delay:5.1f} s{' (run had finished)' if finished else ''}: "
                f"results.json {r['results']}, status {r['status']}, {r['done']}/{r.get('total')} scenarios; "
                f"journal {r['journal_rows']} rows, {len(r['journal_mismatches'])} mismatched; "
                f"index {r['index_rows']} rows, {len(r['index_mismatches'])} mismatched; "
                f"{len(r['unjournaled_files'])} file(s) not yet journaled"
                f"{'; last line cut' if r.get('cut_journal_line') else ''}"
                f" -> {'OK' if ok else 'FAIL'}"
            )
        print(f"{good}/{args.kills} killed runs left a truthful folder")


if __name__ == "__main__":
    main()
