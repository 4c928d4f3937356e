"""`conformance certificate`: nothing asked is a usage error (the browser export is in tests/certificate)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke


def test_nothing_to_do_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "certificate.html").write_text("<html/>")
    result = cli("certificate", tmp_path / "certificate.html")
    assert result.exit_code == 2 and "nothing to do" in result.output
