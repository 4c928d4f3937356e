"""`conformance pki init`: the test PKI files, created once and listed."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke


def test_pki_init_lists_existing_files(cli: Invoke, tmp_path: Path) -> None:
    result = cli("pki", "init", tmp_path / "pki")
    assert result.exit_code == 0, result.output
    paths = [line.split(None, 1)[1] for line in result.output.splitlines() if line.strip()]
    assert paths and any(Path(p).is_file() for p in paths)
    assert cli("pki", "init", tmp_path / "pki").output == result.output  # reused, not re-created
