"""Fixtures of the CLI tests: a runner that keeps stdout and stderr apart, and the toy socle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli import main
from conformance.socle import Socle
from tests.engine.helpers import FULL_TOY, install_toy

Invoke = Callable[..., Result]


@pytest.fixture
def cli() -> Invoke:
    """`cli("validate", "--json", path)`: `result.stdout` is what a pipe would read, `result.output` adds stderr."""

    def invoke(*args: str, **kwargs: object) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], **kwargs)  # type: ignore[arg-type]

    return invoke


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Socle:
    """The toy socle (tests/engine/helpers.py): catalog, check and suite only."""
    return install_toy(tmp_path, monkeypatch)


@pytest.fixture
def full_toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Socle:
    """The toy socle (tests/engine/helpers.py) with its option, service and seeded defect."""
    return install_toy(tmp_path, monkeypatch, **FULL_TOY)
