"""`conformance dossier`, `badge` and `diff` from the command line: outputs, exit statuses, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.certificate.browser import find_browser
from tests.cli.conftest import Invoke
from tests.dossier.helpers import grappe, issue, members_csv


@pytest.fixture
def certs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "signer"))
    folder = tmp_path / "certificates"
    issue(folder / "a", "4.2.1")
    issue(folder / "b", "5.0")
    return folder


def write_members(tmp_path: Path, rows: list[tuple[str, ...]]) -> Path:
    path = tmp_path / "membres.csv"
    path.write_bytes(members_csv(rows, encoding="cp1252"))
    return path


def test_dossier_met(cli: Invoke, certs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("dossier", "--members", write_members(tmp_path, grappe(16)), "--certificates", certs, "--out", out)
    assert result.exit_code == 0, result.output
    assert "conditions MET, complete" in result.stdout and f"html: {out / 'dossier.html'}" in result.stdout
    assert (out / "dossier.json").is_file()
    assert (out / "dossier.pdf").is_file() == (find_browser() is not None)


def test_dossier_not_met_incomplete_and_json(cli: Invoke, certs: Path, tmp_path: Path) -> None:
    rows = grappe(15)
    rows[2] = (*rows[2][:3], "ABC", *rows[2][4:])
    args = ("--members", write_members(tmp_path, rows), "--certificates", certs, "--out", tmp_path / "o", "--no-pdf")
    result = cli("dossier", *args)
    assert result.exit_code == 1
    assert "conditions NOT MET, INCOMPLETE (1 to correct)" in result.stdout
    assert "membres.csv:4" in result.stdout and "14 ESMS ; minimum 15" in result.stdout
    as_json = cli("dossier", *args, "--json")
    doc = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and doc["verdict"] == {"conditions_met": False, "complete": False}


def test_dossier_usage_errors(cli: Invoke, certs: Path, tmp_path: Path) -> None:
    members = write_members(tmp_path, grappe(16))
    bad = tmp_path / "bad.toml"
    bad.write_text("[programme]\nid = 1\n")
    result = cli("dossier", "--members", members, "--certificates", certs, "--out", tmp_path / "o", "--programme", bad)
    assert result.exit_code == 2 and "programme" in result.output
    missing = cli("dossier", "--members", tmp_path / "none.csv", "--certificates", certs, "--out", tmp_path / "o")
    assert missing.exit_code == 2


def test_badge_write_and_check(cli: Invoke, certs: Path, tmp_path: Path) -> None:
    cert = certs / "a" / "certificate.html"
    written = cli("badge", cert)
    badge = certs / "a" / "badge.svg"
    assert written.exit_code == 0 and written.stdout.strip() == str(badge)
    assert b'href="certificate.html"' in badge.read_bytes()
    (tmp_path / "site").mkdir()
    assert cli("badge", cert, "--out", tmp_path / "site" / "badge.svg").exit_code == 0
    assert b'href="../certificates/a/certificate.html"' in (tmp_path / "site" / "badge.svg").read_bytes()
    assert cli("badge", cert, "--check", badge).exit_code == 0
    other = cli("badge", certs / "b" / "certificate.html", "--check", badge)
    assert other.exit_code == 1 and "does NOT match" in other.stdout
    (tmp_path / "x.html").write_text("<html></html>")
    assert cli("badge", tmp_path / "x.html").exit_code == 2


def test_diff_exit_statuses(cli: Invoke, certs: Path, tmp_path: Path) -> None:
    a, b = certs / "a", certs / "b"
    same = cli("diff", a, a)
    assert same.exit_code == 0 and "regression 0" in same.stdout
    issue(tmp_path / "c", "4.2.2", counting=("mssante",), failing=("dmp",))
    worse = cli("diff", a, tmp_path / "c", "--json")
    doc = json.loads(worse.stdout)
    assert worse.exit_code == 1 and doc["regression"] is True
    assert [(c["category"], c["requirement"]) for c in doc["changes"]] == [("regression", "X-01")]  # run folders
    assert cli("diff", a, tmp_path / "c", "--fail-on", "never").exit_code == 0
    assert cli("diff", a, b, "--lang", "fr").exit_code == 0
    (tmp_path / "junk.json").write_text("[]")
    unreadable = cli("diff", a, tmp_path / "junk.json")
    assert unreadable.exit_code == 2 and "not a JSON object" in unreadable.output
