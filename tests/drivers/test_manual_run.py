"""Acceptance: a manual run where the tester does nothing ends with every scenario failed or not run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.drivers.helpers import manual_run


def test_nobody_acts_nothing_passes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with manual_run(out, timeout=0.05) as (proc, url, lines):  # every socle, every scenario
        assert url.startswith("http://127.0.0.1:")
        code = proc.wait(timeout=900)
    assert code == 1, "".join(lines[-30:])
    results = json.loads((out / "results.json").read_text())
    scenarios = [s for socle in results["socles"].values() for s in socle["scenarios"]]
    assert len(scenarios) == results["progress"]["total"] > 100
    assert {s["outcome"] for s in scenarios} <= {"failed", "error", "skipped"}, [
        s["id"] for s in scenarios if s["outcome"] == "passed"
    ]
    assert all(s["verdict"] == "fail" for s in results["socles"].values())
    said = {f["message_fr"] for s in scenarios for f in s["findings"] if f["verdict"] == "fail"}
    assert any(m.startswith("personne n'a effectué l'étape") for m in said)
    assert "Traceback" not in "".join(lines)
