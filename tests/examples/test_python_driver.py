"""The Python driver skeleton: loaded by the preflight, it answers every verb honestly (unsupported)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.drivers.base import Action
from conformance.engine.preflight import load_driver
from tests.drivers.test_manual import PARAMS
from tests.examples.helpers import EXAMPLES


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES / "python-driver"))
    for name in [m for m in sys.modules if m == "my_dui" or m.startswith("my_dui.")]:
        monkeypatch.delitem(sys.modules, name)


def test_the_skeleton_answers_every_verb(on_path: None) -> None:
    driver = load_driver("python:my_dui.driver:Driver", ["mssante"])
    driver.configure({"mssante": {"host": "127.0.0.1"}})
    for verb, params in PARAMS.items():
        outcome = driver.act(Action(verb, params))
        assert outcome.status == "error" and outcome.detail == "unsupported verb"
    assert driver.act(Action("other.verb", {})).detail == "unsupported verb"


def test_a_run_with_the_skeleton_fails_cleanly(on_path: None, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conformance.cli import main

    args = [
        "run",
        "--socle",
        "mssante",
        "--dui",
        "python:my_dui.driver:Driver",
        "-k",
        "audit",
        "--out",
        str(tmp_path / "r"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "échec MSS-TRC-01" in result.output and "Traceback" not in result.output
