"""Fixtures of the dossier tests: an installation signing key of their own, a folder for certificates."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def signer_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("signer-home")


@pytest.fixture
def certs(tmp_path: Path, signer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty certificates folder; certificates issued meanwhile are signed by the tests' own installation key."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(signer_home))
    folder = tmp_path / "certificates"
    folder.mkdir()
    return folder
