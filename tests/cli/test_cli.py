"""The `conformance` command as a user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import main

BIN = Path(sys.executable).parent


def test_socles_lists_mssante() -> None:
    result = CliRunner().invoke(main, ["socles", "--json"])
    assert result.exit_code == 0
    assert "mssante" in [r["socle"] for r in json.loads(result.output)]


def test_requirements_coverage_has_no_uncovered_exigence() -> None:
    result = CliRunner().invoke(main, ["requirements", "--socle", "mssante", "--coverage"])
    assert result.exit_code == 0, result.output
    assert "uncovered EXIGENCE: none" in result.output
    assert "MSS-AUTH-01" in result.output and "NOT CHECKED" in result.output


def test_defects_json_is_stable() -> None:
    result = CliRunner().invoke(main, ["defects", "--socle", "mssante", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) >= 20 and all({"defect", "requirement"} <= set(r) for r in rows)


def test_unknown_socle_is_usage_error() -> None:
    assert CliRunner().invoke(main, ["run", "--socle", "nope"]).exit_code == 2
    assert CliRunner().invoke(main, ["defects", "--socle", "nope"]).exit_code == 2


def test_report_rebuilds_certificate(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(
        json.dumps(
            {
                "schema": "dui-conformance/results/1",
                "run_id": "r",
                "status": "complete",
                "solution": {},
                "harness": {"version": "x"},
                "driver": "demo",
                "mode": "mock-services",
                "started": "2026-11-23T10:00:00Z",
                "finished": None,
                "rule_sets": [],
                "socles": {},
            }
        )
    )
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 0 and (tmp_path / "certificate.html").exists()
    (tmp_path / "results.json").write_text("{broken")
    assert CliRunner().invoke(main, ["report", str(tmp_path)]).exit_code == 2


def test_pytest_from_an_empty_directory(tmp_path: Path) -> None:
    """Acceptance: `pytest --socle=mssante --dui=demo` from an empty folder, everything passes."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [str(BIN / "pytest"), "--socle=mssante", "--dui=demo", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = int(proc.stdout.split(" passed")[0].split()[-1])
    assert passed >= 25
    runs = list((tmp_path / "reports").iterdir())
    results = json.loads((runs[0] / "results.json").read_text())
    assert results["socles"]["mssante"]["verdict"] in ("pass", "pass-with-warnings")


def test_validate_with_fhir_package(corpus: Path) -> None:
    """Issue 4 acceptance 3 shape: the IG package loads and every example gets a per-file verdict."""
    files = sorted((corpus / "eprescription").glob("*.json"))[:5]
    result = CliRunner().invoke(
        main, ["validate", "--json", "--fhir-package", str(corpus / "eprescription-ig"), *map(str, files)]
    )
    assert result.exit_code in (0, 1), result.output
    rows = json.loads(result.output)
    assert [r["kind"] for r in rows] == ["fhir"] * len(files)
    assert all(f["location"].startswith("Bundle") for r in rows for f in r["findings"] if f["verdict"] == "fail")
