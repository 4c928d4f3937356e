"""Every schematron test gets its own compile cache and leaves no pack configured behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner, configure

from .helpers import write_pack


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cache = tmp_path / "schematron-cache"
    monkeypatch.setenv("CONFORMANCE_SCHEMATRON_CACHE", str(cache))
    monkeypatch.delenv("CONFORMANCE_SCHEMATRON_PACK", raising=False)
    compiling.reset_memory()
    yield cache
    configure(None)
    compiling.reset_memory()


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "pack")


@pytest.fixture
def runner(pack_dir: Path) -> PackRunner:
    return PackRunner(Pack.open(pack_dir))
