"""Sensitivity: every seeded defect makes exactly its requirement fail in a full run.

This is the proof that each check the harness claims can fail on a real DUI mistake; the
reference DUI passing everything (test_cli) is the proof of specificity.

Each run is a full run of the defect's socle (and of the socles it needs) through the engine
`conformance run` uses (`engine.run.execute`: real mock services, real TLS, the whole suite), made in
this test process rather than in a new interpreter: the harness is imported once for the 107 runs
instead of once per run. Nothing a run sets survives it (the socles' options are reset when it ends,
each run has its own DUI, services, PKI load and folder); `conformance run` as a command is tested
in tests/cli/ and tests/engine/test_parallel.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.engine.request import RunRequest
from conformance.engine.run import execute
from conformance.socle import Defect, all_defects

DEFECTS = all_defects()


@pytest.mark.parametrize(
    "defect", [pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement)) for d in DEFECTS]
)
def test_defect_fails_exactly_its_requirement(
    defect: Defect, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    socles = (defect.socle, *defect.needs)  # a cross-socle defect shows only with the other socle in the run
    code = execute(RunRequest(socles=socles, dui=f"demo:{defect.name}", out=out))
    output = capfd.readouterr().out[-3000:]
    results = json.loads((out / "results.json").read_text())["socles"]
    # a failed PRECONISATION (EP-23, cross-socle) is a warning: the run passes, the requirement warns
    exigence = results[defect.socle]["requirements"][defect.requirement]["level"] == "EXIGENCE"
    assert code == (1 if exigence else 0), output
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
    assert failing == [defect.requirement], f"{defect.name}: failing {failing}\n{output}"
