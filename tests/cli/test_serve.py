"""`conformance serve`: any installed socle's services, ports by name, usage errors."""

from __future__ import annotations

from pathlib import Path

from conformance.socle import Socle
from tests.cli.conftest import Invoke


def test_serve_a_plug_in_socle_service(cli: Invoke, full_toy: Socle, tmp_path: Path) -> None:
    result = cli("serve", "--socle", "toy", "--out", tmp_path, "--port", "web=8080", "--host", "127.0.0.2")
    assert result.exit_code == 0, result.output
    assert f"toy service on 127.0.0.2 ports {{'web': 8080}} in {tmp_path}" in result.output


def test_a_socle_without_service(cli: Invoke) -> None:
    result = cli("serve", "--socle", "eprescription")
    assert result.exit_code == 2 and "no standalone service for socle 'eprescription'" in result.output


def test_an_unknown_port_name(cli: Invoke, full_toy: Socle) -> None:
    result = cli("serve", "--socle", "toy", "--port", "smtp=25")
    assert result.exit_code == 2 and "smtp is not a port of these services (ports: toy-svc.web)" in result.output


def test_the_mock_dmp_stays_on_loopback(cli: Invoke, tmp_path: Path) -> None:
    result = cli("serve", "--socle", "dmp", "--host", "0.0.0.0", "--out", tmp_path)
    assert result.exit_code == 2 and "loopback only" in result.output
