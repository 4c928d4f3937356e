"""`conformance run -j N`: the usage errors a parallel run refuses before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


@pytest.mark.parametrize("dui", ["manual", "http://127.0.0.1:1"])
def test_one_dui_instance_cannot_serve_parallel_workers(cli: Invoke, dui: str, tmp_path: Path) -> None:
    result = cli("run", "--socle", "mssante", "-j", "2", "--dui", dui, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "cannot serve 2 parallel workers" in result.output
    assert not (tmp_path / "run").exists()
