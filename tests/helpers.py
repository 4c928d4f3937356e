"""Helpers of the whole test suite: full runs made once and shared by the tests that only read them.

Under pytest-xdist every worker has its own session, so a session fixture alone would make one run
per worker: `shared_run` makes it once for all workers (a lock file in the base temp folder every
worker shares) and hands the same folder to each.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    """A finished `conformance run`: its folder, exit status and output."""

    out: Path
    returncode: int
    output: str

    def results(self) -> dict:
        data: dict = json.loads((self.out / "results.json").read_text(encoding="utf-8"))
        return data


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The folder every xdist worker of this test session sees (the base temp itself when serial)."""
    base = factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


def conformance_run(out: Path, *args: str, timeout: int = 600) -> Run:
    proc = subprocess.run(
        [str(BIN / "conformance"), "run", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(out, proc.returncode, proc.stdout + proc.stderr)


def shared_run(factory: pytest.TempPathFactory, name: str, *args: str) -> Run:
    """`conformance run ARGS` made once per test session whichever worker asks first; read-only for all."""
    root = shared_root(factory) / "shared-runs"
    root.mkdir(parents=True, exist_ok=True)
    out = root / name
    done = root / f"{name}.done.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file():
            saved = json.loads(done.read_text(encoding="utf-8"))
            return Run(out, int(saved["returncode"]), str(saved["output"]))
        run = conformance_run(out, *args)
        done.write_text(json.dumps({"returncode": run.returncode, "output": run.output}), encoding="utf-8")
        return run
