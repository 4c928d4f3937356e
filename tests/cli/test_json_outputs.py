"""Acceptance: every `--json` output of the CLI parses with `python -m json.tool` (diagnostics go to stderr)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from conformance.cli import main

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def _json_commands() -> set[str]:
    return {
        name
        for name, command in main.commands.items()  # type: ignore[attr-defined]
        if any(isinstance(p, click.Option) and "--json" in p.opts for p in command.params)
    }


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    subprocess.run(
        [str(BIN / "conformance"), "run", "--socle", "mssante", "--dui", "demo", "-k", "headers", "--out", str(out)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return out / "certificate.html"


def test_every_json_output_parses(certificate: Path, tmp_path: Path) -> None:
    calls = {
        "validate": [["validate", "--json", str(REPO / "fixtures" / "eprescription" / "ordonnance-good.json")]],
        "defects": [["defects", "--json"], ["defects", "--socle", "dmp", "--json"]],
        "requirements": [["requirements", "--json"], ["requirements", "--coverage", "--json"]],
        "socles": [["socles", "--json"]],
        "verify": [
            ["verify", "--json", str(certificate)],
            ["verify", "--json", str(certificate), "--evidence", str(certificate.parent)],
        ],
    }
    assert set(calls) == _json_commands(), "a command with --json has no case here"
    for args in (a for cases in calls.values() for a in cases):
        done = subprocess.run([str(BIN / "conformance"), *args], capture_output=True, timeout=300, check=False)
        parsed = subprocess.run(
            [sys.executable, "-m", "json.tool"], input=done.stdout, capture_output=True, timeout=60, check=False
        )
        assert done.stdout and parsed.returncode == 0, (args, done.stdout[:500], done.stderr[-500:])
