"""A run killed half-way leaves a readable folder that says it is incomplete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conformance.engine.evidence import read_journal

BIN = Path(sys.executable).parent


def test_killed_run_keeps_what_was_recorded(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [str(BIN / "conformance"), "run", "--socle", "mssante", "--dui", "demo", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                data = json.loads((out / "results.json").read_text())
                if data["progress"]["done"] >= 3:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    data = json.loads((out / "results.json").read_text())
    assert data["status"] == "incomplete"
    assert data["progress"]["done"] >= 3
    assert data["socles"]["mssante"]["verdict"] == "incomplete"
    rows = read_journal(out / "evidence")
    assert rows, "evidence recorded before the kill is still listed"
    for row in rows:
        assert (out / "evidence" / row["path"]).exists()
