"""Helpers of the whole test suite: full runs made once and shared by the tests that only read them.

Under pytest-xdist every worker has its own session, so a session fixture alone would make one run
per worker: `shared_run` (a `conformance run`) and `shared_folder` (any maker) make it once for all
workers (a lock file in the base temp folder every worker shares) and hand the same folder to each.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def shared_folder(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]) -> Path:
    """`make(folder)` called once per test session whichever worker asks first; the folder, read-only for all.

    A `make` that raises leaves no mark: the next worker that asks makes it again (and fails the same way)."""
    root = shared_root(factory) / "shared-runs"
    root.mkdir(parents=True, exist_ok=True)
    out = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / f"{name}.done"
        if not done.is_file():
            make(out)
            done.touch()
    return out


def shared_run(factory: pytest.TempPathFactory, name: str, *args: str) -> Run:
    """`conformance run ARGS` made once per test session whichever worker asks first; read-only for all."""
    made: list[Run] = []

    def make(out: Path) -> None:
        run = conformance_run(out, *args)
        (out.parent / f"{name}.run.json").write_text(
            json.dumps({"returncode": run.returncode, "output": run.output}), encoding="utf-8"
        )
        made.append(run)

    out = shared_folder(factory, name, make)
    if made:
        return made[0]
    saved = json.loads((out.parent / f"{name}.run.json").read_text(encoding="utf-8"))
    return Run(out, int(saved["returncode"]), str(saved["output"]))


@contextmanager
def fixed_ports() -> Iterator[None]:
    """Held while a run whose mock services listen on their documented ports goes on (the manual driver: a
    person configures the DUI once): one such run at a time on this machine, whichever xdist worker or test
    session starts it (two at once made the second's services fail to listen)."""
    with (Path(tempfile.gettempdir()) / "dui-conformance-tests-fixed-ports.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
