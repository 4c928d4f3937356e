"""Full runs of the e-prescription suite against the reference DUI and some of its seeded defects.

The socle is not registered as an entry point yet: the tests add it to the installed socles the way
tests/test_engine.py adds its toy socle (monkeypatch `conformance.socle.installed_socles`). The whole
defect sweep (every defect fails exactly its requirement in a full run) takes ~2 minutes: set
CONFORMANCE_FULL_SENSITIVITY=1 to run it; by default the defects the content tests cannot reach run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance import socle as socle_module
from conformance.demo.defects import Defect, defects_for
from conformance.requirements import _CACHE
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription import checks as _checks  # noqa: F401

# pytester's in-process runs restore sys.modules after each run; a nanobind extension (zxing-cpp, imported
# by the checks above) aborts the interpreter when it is imported a second time, so it is imported here,
# before the first run, and survives every restore.

FAST = {"qr-other-number", "refusal-swallowed", "cancel-not-sent", "split-group"}
FULL = os.environ.get("CONFORMANCE_FULL_SENSITIVITY") == "1"
DEFECTS = [d for d in defects_for("eprescription") if FULL or d.name in FAST]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    socles = dict(socle_module.installed_socles())
    socles["eprescription"] = SOCLE
    monkeypatch.setattr(socle_module, "installed_socles", lambda: socles)
    _CACHE.pop("eprescription", None)


def _run(pytester: pytest.Pytester, out: Path, dui: str) -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest_inprocess("--socle", "eprescription", "--dui", dui, "--out", str(out),
                                          "-p", "no:cacheprovider")
    return result, json.loads((out / "results.json").read_text())


def test_reference_dui_passes(installed: None, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, res = _run(pytester, tmp_path / "run", "demo")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 25 and not outcomes.get("failed"), result.stdout.str()[-3000:]
    socle = res["socles"]["eprescription"]
    assert socle["verdict"] == "pass"
    passed = {r for r, v in socle["requirements"].items() if v["verdict"] == "pass"}
    assert {"EP-22", "EP-25", "EP-26", "EP-27"} <= passed
    journal = (tmp_path / "run" / "evidence" / "journal.jsonl").read_text()
    assert '"kind": "eprescription-exchange"' in journal


@pytest.mark.parametrize("defect", [pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement))
                                    for d in DEFECTS])
def test_defect_fails_exactly_its_requirement(
    defect: Defect, installed: None, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    result, res = _run(pytester, tmp_path / "run", f"demo:{defect.name}")
    reqs = res["socles"]["eprescription"]["requirements"]
    failing = sorted(rid for rid, r in reqs.items() if r["verdict"] in ("fail", "not-tested") and r["checked"]
                     and r["level"] == "EXIGENCE")
    assert failing == [defect.requirement], result.stdout.str()[-3000:]


def test_reference_dui_behind_the_http_driver(installed: None, pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The JSON driver protocol carries the e-prescription verbs unchanged (docs/driver-protocol.md)."""
    from conformance.demo.dui import DemoDriver
    from conformance.drivers.bridge import DriverBridge

    with DriverBridge(DemoDriver()) as bridge:
        result, res = _run(pytester, tmp_path / "run", bridge.url)
    assert res["socles"]["eprescription"]["verdict"] == "pass", result.stdout.str()[-3000:]
