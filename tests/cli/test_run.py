"""`conformance run` as a user types it: usage errors before anything runs, one language, a clear summary."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.socle import Socle
from tests.cli.conftest import Invoke
from tests.engine.helpers import OK, TOO_LONG

BIN = Path(sys.executable).parent


def test_unknown_socle_is_usage_error(cli: Invoke) -> None:
    result = cli("run", "--socle", "nope")
    assert result.exit_code == 2 and "unknown socle 'nope'" in result.output


def test_a_missing_file_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    result = cli("run", "--socle", "mssante", "--policy", tmp_path / "absent.toml")
    assert result.exit_code == 2 and "--policy" in result.output and "no such file" in result.output


@pytest.mark.parametrize(
    ("dui", "says"),
    [
        ("bogus", "DUI « bogus » inconnu"),
        ("python:nope:X", "impossible d'importer le module du pilote Python « nope »"),
        ("demo:nope", "défaut « nope » du DUI de référence inconnu"),
        ("http://127.0.0.1:1", "le DUI http://127.0.0.1:1 ne répond pas"),
    ],
)
def test_a_driver_that_cannot_be_greeted_is_a_usage_error(tmp_path: Path, dui: str, says: str) -> None:
    """Acceptance: exit 2 within 5 s, at most 5 lines, no run folder (the real command, as typed)."""
    out = tmp_path / "run"
    started = time.monotonic()
    proc = subprocess.run(
        [str(BIN / "conformance"), "run", "--dui", dui, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    elapsed = time.monotonic() - started
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == 2 and elapsed < 5, (proc.returncode, elapsed)
    assert len(lines) <= 5 and says in lines[0], lines
    assert "Traceback" not in proc.stderr and not out.exists()


def test_the_run_folder_is_checked(cli: Invoke, toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    result = cli("run", "--socle", "toy", "--dui", OK, "--out", tmp_path / "a-file")
    assert result.exit_code == 2 and "est un fichier" in result.output
    out = tmp_path / "run"
    assert cli("run", "--socle", "toy", "--dui", OK, "--out", out).exit_code == 0
    first = json.loads((out / "results.json").read_text())["run_id"]
    again = cli("run", "--socle", "toy", "--dui", OK, "--out", out, "--lang", "en")
    assert again.exit_code == 2 and "already holds a run" in again.output and "--force" in again.output
    assert json.loads((out / "results.json").read_text())["run_id"] == first  # untouched
    forced = cli("run", "--socle", "toy", "--dui", OK, "--out", out, "--force")
    assert forced.exit_code == 0 and json.loads((out / "results.json").read_text())["run_id"] != first


def test_run_on_a_plug_in_socle(cli: Invoke, full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "run"
    ok = cli("run", "--socle", "toy", "--dui", OK, "--out", out, "--toy-level", "strict", "--solution-name", "Essai")
    assert ok.exit_code == 0, ok.output
    assert f"conformance run : socles toy, DUI {OK}, dossier {out}" in ok.output
    assert "[1/2] toy" in ok.output and "RÉUSSI" in ok.output and "PASSED" not in ok.output
    assert "toy (Socle jouet) : CONFORME AVEC RÉSERVES" in ok.output
    assert "Au moins deux services socles (esms-numerique-2-socles) : NON" in ok.output
    assert json.loads((out / "results.json").read_text())["solution"]["name"] == "Essai"


def test_a_failing_scenario_shows_its_findings_not_a_traceback(
    cli: Invoke, toy: Socle, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    ko = cli("run", "--socle", "toy", "--dui", TOO_LONG, "--out", tmp_path / "ko")
    assert ko.exit_code == 1
    assert "Texte court ... ÉCHOUÉ" in ko.output and "    échec TOY-02 : trop long (text)" in ko.output
    assert "non satisfaites : TOY-02" in ko.output
    assert "Traceback" not in ko.output and "requirements not met" not in ko.output
    assert ko.output.count("TOY-02") == 2  # once under the scenario, once in the summary


def test_english_console(cli: Invoke, toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    ko = cli("run", "--socle", "toy", "--dui", TOO_LONG, "--out", tmp_path / "ko", "--lang", "en")
    assert "Texte court ... FAILED" in ko.output and "    fail TOY-02: too long (text)" in ko.output
    assert "toy (Toy socle): FAIL; EXIGENCE: 1 passed, 1 failed" in ko.output
    assert "At least two services socles (esms-numerique-2-socles): NO" in ko.output
    for french in ("RÉUSSI", "ÉCHOUÉ", "Résumé", "exigences", "Attestation"):
        assert french not in ko.output


def test_verbose_gives_pytest_s_report(cli: Invoke, toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    ko = cli("run", "--socle", "toy", "--dui", TOO_LONG, "--out", tmp_path / "ko", "-v")
    assert "requirements not met" in ko.output and "FAILED" in ko.output


def test_a_socle_option_error_exits_2(cli: Invoke, full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = cli("run", "--socle", "toy", "--out", tmp_path / "run", "--toy-level", "bad")
    assert result.exit_code == 2


def test_signing_mistakes_stop_the_run_before_it_starts(cli: Invoke, toy: Socle, tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n")
    result = cli("run", "--socle", "toy", "--dui", OK, "--out", tmp_path / "run", "--sign-cert", tmp_path / "cert.pem")
    assert result.exit_code == 2 and "--sign-cert demande --sign-key" in result.output
    assert not (tmp_path / "run").exists()
