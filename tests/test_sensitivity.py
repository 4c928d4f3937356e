"""Sensitivity: every seeded defect makes exactly its requirement fail in a full run.

This is the proof that each check the harness claims can fail on a real DUI mistake; the
reference DUI passing everything (test_cli) is the proof of specificity.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.demo.defects import Defect, defects_for
from conformance.socle import installed_socles

BIN = Path(sys.executable).parent
DEFECTS = [d for socle in installed_socles() for d in defects_for(socle)]


@pytest.mark.parametrize("defect", [pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement))
                                    for d in DEFECTS])
def test_defect_fails_exactly_its_requirement(defect: Defect, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run([str(BIN / "conformance"), "run", "--socle", defect.socle, "--dui", f"demo:{defect.name}",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    reqs = json.loads((out / "results.json").read_text())["socles"][defect.socle]["requirements"]
    failing = sorted(rid for rid, r in reqs.items() if r["verdict"] in ("fail", "not-tested") and r["checked"]
                     and r["level"] == "EXIGENCE")
    assert failing == [defect.requirement], f"{defect.name}: failing {failing}\n{proc.stdout[-3000:]}"
