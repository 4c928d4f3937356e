"""`conformance report RUN_DIR`: the certificate rebuilt from results.json, or exit 2 with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke

RESULTS = {
    "schema": "dui-conformance/results/2",
    "run_id": "r",
    "status": "complete",
    "solution": {},
    "harness": {"version": "x", "git_commit": None},
    "driver": "demo",
    "mode": "mock-services",
    "started": "2026-11-23T10:00:00Z",
    "finished": None,
    "rule_sets": [],
    "socles": {},
}


def test_report_rebuilds_certificate(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    result = cli("report", tmp_path, "--lang", "en")
    assert result.exit_code == 0 and (tmp_path / "certificate.html").exists()
    assert (tmp_path / "certificate.en.html").exists()
    (tmp_path / "results.json").write_text("{broken")
    assert cli("report", tmp_path).exit_code == 2


def test_a_missing_policy_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    result = cli("report", tmp_path, "--policy", tmp_path / "absent.toml")
    assert result.exit_code == 2 and "--policy" in result.output
