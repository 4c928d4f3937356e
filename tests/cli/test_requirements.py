"""`conformance requirements`: the catalogs, coverage by the scenarios' marks, pure JSON with --json."""

from __future__ import annotations

import json
import sys

import pytest

from conformance.socle import Socle
from tests.cli.conftest import Invoke


def test_requirements_coverage_has_no_uncovered_exigence(cli: Invoke) -> None:
    result = cli("requirements", "--socle", "mssante", "--coverage")
    assert result.exit_code == 0, result.output
    assert "uncovered EXIGENCE: none" in result.stdout
    assert "MSS-AUTH-01" in result.stdout and "NOT CHECKED" in result.stdout


def test_coverage_json_is_pure_json(cli: Invoke) -> None:
    result = cli("requirements", "--socle", "mssante", "--coverage", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all("tests" in r for r in rows)


def test_a_plug_in_socle_and_an_uncovered_exigence(
    cli: Invoke, toy: Socle, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("requirements", "--socle", "toy", "--coverage")
    assert result.exit_code == 0, result.output
    assert "TOY-01       EXIGENCE      checked     -  <- 1 scenario(s)" in result.stdout
    (toy.suite / "test_toy.py").write_text((toy.suite / "test_toy.py").read_text().replace('"TOY-02"', '"TOY-09"'))
    monkeypatch.delitem(sys.modules, "test_toy", raising=False)
    result = cli("requirements", "--socle", "toy", "--coverage")
    assert result.exit_code == 1 and "uncovered EXIGENCE: TOY-02" in result.stdout
