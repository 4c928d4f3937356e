"""Fixtures of the engine tests: the toy socle (tests/engine/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.socle import Socle
from tests.engine.helpers import FULL_TOY, install_toy


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Socle:
    """The toy socle with its catalog, check and suite only."""
    return install_toy(tmp_path, monkeypatch)


@pytest.fixture
def full_toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Socle:
    """The toy socle with an option and its configure hook, a standalone service and a seeded defect."""
    return install_toy(tmp_path, monkeypatch, **FULL_TOY)
