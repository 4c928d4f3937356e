"""`conformance verify`: invalid is exit 1, with reasons; --json is pure JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke


def test_something_else_is_invalid(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "certificate.html").write_text("<html>not a certificate</html>")
    result = cli("verify", tmp_path / "certificate.html")
    assert result.exit_code == 1 and result.output.startswith("invalid")
    as_json = cli("verify", tmp_path / "certificate.html", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["valid"] is False
