"""Issue acceptance on real runs of every installed socle: who counts toward "≥ 2 services socles"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.socle import get_socle, installed_socles
from tests.helpers import Run

BIN = Path(sys.executable).parent


def _run(tmp_path: Path, dui: str) -> tuple[int, dict, str]:
    out = tmp_path / "run"
    proc = subprocess.run(
        [str(BIN / "conformance"), "run", "--dui", dui, "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    payload = json.loads((out / "certificate.json").read_text())
    return proc.returncode, payload, (out / "certificate.html").read_text()


@pytest.fixture(autouse=True)
def _three_socles() -> None:
    if not {"mssante", "dmp", "eprescription"} <= set(installed_socles()):
        pytest.skip("needs the three socles installed")


def test_reference_dui_counts_everywhere(demo_run: Run) -> None:
    code, out = demo_run.returncode, demo_run.out
    payload, html = json.loads((out / "certificate.json").read_text()), (out / "certificate.html").read_text()
    assert code == 0
    assert payload["at_least_two"]["verdict"] is True
    assert set(payload["at_least_two"]["counting"]) == {"mssante", "dmp", "eprescription"}
    assert 'id="two-socles">OUI<' in html and "Messagerie sécurisée de santé" in html
    verify = subprocess.run(
        [
            str(BIN / "conformance"),
            "verify",
            str(out / "certificate.html"),
            "--evidence",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0 and verify.stdout.startswith("valid")


def test_one_broken_socle_does_not_count_and_says_why(tmp_path: Path) -> None:
    code, payload, html = _run(tmp_path, "demo:missing-nil")
    assert code == 1
    mss = payload["socles"]["mssante"]
    assert mss["counts"] is False and any("MSS-MSG-06" in r for r in mss["reasons_fr"])
    assert payload["at_least_two"]["verdict"] is True  # DMP and e-prescription still count
    assert "MSS-MSG-06" in html


def test_all_but_one_broken_says_non(tmp_path: Path) -> None:
    dmp_defect = get_socle("dmp").seeded_defects()[0].name
    code, payload, html = _run(tmp_path, f"demo:missing-nil+{dmp_defect}")
    assert code == 1
    assert payload["at_least_two"] == {"verdict": False, "counting": ["eprescription"], "minimum": 2}
    assert 'id="two-socles">NON<' in html
