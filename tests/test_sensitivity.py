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

from conformance.socle import Defect, all_defects

BIN = Path(sys.executable).parent
DEFECTS = all_defects()


@pytest.mark.parametrize(
    "defect", [pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement)) for d in DEFECTS]
)
def test_defect_fails_exactly_its_requirement(defect: Defect, tmp_path: Path) -> None:
    out = tmp_path / "run"
    socles = [defect.socle, *defect.needs]  # a cross-socle defect shows only with the other socle in the run
    proc = subprocess.run(
        [
            str(BIN / "conformance"),
            "run",
            *[a for s in socles for a in ("--socle", s)],
            "--dui",
            f"demo:{defect.name}",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = json.loads((out / "results.json").read_text())["socles"]
    # a failed PRECONISATION (EP-23, cross-socle) is a warning: the run passes, the requirement warns
    exigence = results[defect.socle]["requirements"][defect.requirement]["level"] == "EXIGENCE"
    assert proc.returncode == (1 if exigence else 0), proc.stdout[-3000:] + proc.stderr[-2000:]
    failing = sorted(
        rid
        for socle in socles
        for rid, r in results[socle]["requirements"].items()
        if r["checked"]
        and (
            (r["verdict"] in ("fail", "not-tested") and r["level"] == "EXIGENCE")
            or (rid == defect.requirement and r["verdict"] in ("fail", "warn"))
        )
    )
    assert failing == [defect.requirement], f"{defect.name}: failing {failing}\n{proc.stdout[-3000:]}"
