"""Fixtures of the sandbox and capture tests: the loopback platform (tests/engine/capture/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.capture.helpers import LoopbackPlatform


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackPlatform]:
    """The three mock services as a remote platform, with their own PKI (one per test module)."""
    root = tmp_path_factory.mktemp("platform")
    with LoopbackPlatform(root / "evidence", pki_dir=root / "pki") as running:
        yield running


@pytest.fixture
def profile(platform: LoopbackPlatform, tmp_path: Path) -> Path:
    return platform.profile(tmp_path / "platform.toml")
