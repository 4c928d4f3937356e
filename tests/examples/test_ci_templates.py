"""The CI templates a vendor copies: they parse, the commands they run exist, they keep the run and fail on it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli import main
from tests.examples.helpers import EXAMPLES

CI = EXAMPLES / "ci"


def _gitlab() -> tuple[list[str], dict[str, Any]]:
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["dui-conformance"]
    assert all(isinstance(item, str) for item in job["script"]), "every script item is a shell line"
    return [line for item in job["script"] for line in item.splitlines() if line.strip()], job


def _github() -> tuple[list[str], dict[str, Any]]:
    job = yaml.safe_load((CI / "github-actions.yml").read_text())["jobs"]["conformance"]
    lines = [line for step in job["steps"] if "run" in step for line in step["run"].splitlines() if line.strip()]
    return lines, job


def _conformance_calls(lines: list[str]) -> list[list[str]]:
    calls = []
    for line in lines:
        words = shlex.split(line)
        if words and words[0].endswith("bin/conformance"):
            calls.append(words[1:])
    return calls


@pytest.mark.parametrize("template", [_gitlab, _github], ids=["gitlab", "github"])
def test_the_commands_exist(template: Any) -> None:
    lines, _ = template()
    calls = _conformance_calls(lines)
    assert [c[0] for c in calls] == ["run"]
    for call in calls:
        helped = CliRunner().invoke(main, [call[0], "--help"])
        assert helped.exit_code == 0
        for word in call[1:]:
            if word.startswith("--"):
                assert f"{word.split('=')[0]} " in helped.output or f"{word}\n" in helped.output, word
    assert any("pip install" in line for line in lines)
    assert any("placeholder" in line or "start-dui-test-instance" in line for line in lines)
    assert not any("|| true" in line for line in lines)  # a failed EXIGENCE fails the pipeline


def test_gitlab_keeps_the_run_and_its_junit() -> None:
    _, job = _gitlab()
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/dui-conformance/junit.xml"
    assert "reports/dui-conformance/" in job["artifacts"]["paths"]


def test_github_keeps_the_run_and_fails_on_it() -> None:
    _, job = _github()
    run = next(s for s in job["steps"] if s.get("name") == "Run the socles")
    assert "continue-on-error" not in run
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/dui-conformance/"
    env = yaml.safe_load((CI / "github-actions.yml").read_text())["env"]
    assert env["RUN_DIR"] == "reports/dui-conformance"


def test_the_templates_name_files_that_exist() -> None:
    """What they point a vendor to is here: the driver protocol and a bridge to copy."""
    for name in ("gitlab-ci.yml", "github-actions.yml"):
        assert "docs/driver-protocol.md" in (CI / name).read_text()
    assert (Path(__file__).resolve().parents[2] / "docs" / "driver-protocol.md").is_file()
