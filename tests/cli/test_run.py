"""`conformance run` as a user types it, on the toy socle (in process) and with usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.socle import Socle
from tests.cli.conftest import Invoke


def test_unknown_socle_is_usage_error(cli: Invoke) -> None:
    result = cli("run", "--socle", "nope")
    assert result.exit_code == 2 and "unknown socle 'nope'" in result.output


def test_a_missing_file_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    result = cli("run", "--socle", "mssante", "--policy", tmp_path / "absent.toml")
    assert result.exit_code == 2 and "--policy" in result.output and "no such file" in result.output


def test_run_on_a_plug_in_socle(cli: Invoke, full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "run"
    ok = cli("run", "--socle", "toy", "--dui", "OK", "--out", out, "--toy-level", "strict", "--solution-name", "Essai")
    assert ok.exit_code == 0, ok.output
    assert f"conformance run: socles toy, DUI OK, output {out}" in ok.output
    assert "[1/2] toy" in ok.output and "toy: PASS-WITH-WARNINGS" in ok.output
    assert json.loads((out / "results.json").read_text())["solution"]["name"] == "Essai"
    ko = cli("run", "--socle", "toy", "--dui", "THIS IS FAR TOO LONG FOR THE RULE", "--out", tmp_path / "ko")
    assert ko.exit_code == 1 and "FAIL       TOY-02 Text is short" in ko.output


def test_a_socle_option_error_exits_2(cli: Invoke, full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = cli("run", "--socle", "toy", "--out", tmp_path / "run", "--toy-level", "bad")
    assert result.exit_code == 2
