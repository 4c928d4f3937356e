"""`pytest --socle=...`: the plugin as a user types it (dormant without --socle, usage errors, a real run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def test_dormant_without_socle(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_unknown_socle_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--socle", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_a_socle_option_error_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--socle", "dmp", "--schematron", "IHE", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--schematron needs --schematron-pack*"])


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
