"""A run killed half-way leaves a readable folder that says it is incomplete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conformance.engine.evidence import read_journal, read_jsonl
from conformance.engine.recorder import SCENARIOS_LOG

BIN = Path(sys.executable).parent


def test_killed_run_keeps_what_was_recorded(tmp_path: Path) -> None:
    """SIGKILL after the third scenario: every ended scenario is in scenarios.jsonl (flushed as it ends), every
    evidence file the journal lists exists, and results.json (rewritten at most every second) says incomplete."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [str(BIN / "conformance"), "run", "--socle", "mssante", "--dui", "demo", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # a killed run cannot remove its temporary folder: keep it here
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and len(read_jsonl(out / SCENARIOS_LOG)) < 3:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    ended = read_jsonl(out / SCENARIOS_LOG)
    assert len(ended) >= 3 and all(s["outcome"] in ("passed", "failed", "error", "skipped") for s in ended)
    data = json.loads((out / "results.json").read_text())
    assert data["status"] == "incomplete"
    assert data["progress"]["done"] <= len(ended) < data["progress"]["total"]  # the plan is written once collected
    assert data["socles"]["mssante"]["verdict"] == "incomplete"
    rows = read_journal(out / "evidence")
    assert rows, "evidence recorded before the kill is still listed"
    for row in rows:
        assert (out / "evidence" / row["path"]).exists()


def test_ctrl_c_says_interrompue_and_keeps_finished_socles(tmp_path: Path) -> None:
    """Ctrl-C during the DMP scenarios: no traceback, exit 130, MSSanté (all finished) keeps its verdict."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [str(BIN / "conformance"), "run", "--socle", "mssante,dmp", "--dui", "demo", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background job ignores SIGINT
    )
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("[39/"):
                os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = "".join(lines)
    assert code == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "exécution interrompue (Ctrl-C)" in text
    data = json.loads((out / "results.json").read_text())
    assert data["status"] == "interrupted"
    assert data["socles"]["mssante"]["verdict"] == "pass"
    assert data["socles"]["dmp"]["verdict"] == "incomplete"
    html = (out / "certificate.html").read_text()
    assert "Exécution interrompue" in html
