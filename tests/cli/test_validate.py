"""`conformance validate` as a user types it: JSON on stdout, the socles' options and their usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke


def test_validate_with_fhir_package(cli: Invoke, corpus: Path) -> None:
    """Issue 4 acceptance 3 shape: the IG package loads and every example gets a per-file verdict."""
    files = sorted((corpus / "eprescription").glob("*.json"))[:5]
    result = cli("validate", "--json", "--fhir-package", corpus / "eprescription-ig", *files)
    assert result.exit_code in (0, 1), result.output
    rows = json.loads(result.stdout)
    assert [r["kind"] for r in rows] == ["fhir"] * len(files)
    assert all(f["location"].startswith("Bundle") for r in rows for f in r["findings"] if f["verdict"] == "fail")


def test_a_bad_fhir_package_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"resourceType": "Bundle", "type": "collection"}')
    result = cli("validate", "--fhir-package", tmp_path, tmp_path / "b.json")
    assert result.exit_code == 2 and "--fhir-package" in result.output and "no package.json" in result.output


def test_json_is_alone_on_stdout(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "x.dat").write_bytes(b"\x00\x01garbage")
    result = cli("validate", "--json", tmp_path / "x.dat", tmp_path / "missing.eml")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["findings"][0]["requirement"]) for r in rows] == [
        ("unknown", "HARNESS-KIND"),
        ("unknown", "HARNESS-INPUT"),
    ]


def test_text_output_names_rule_and_place(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "x.dat").write_bytes(b"\x00\x01garbage")
    result = cli("validate", tmp_path / "x.dat")
    assert result.exit_code == 1
    assert f"{tmp_path / 'x.dat'}: unknown: FAIL" in result.output and "HARNESS-KIND" in result.output


def test_unknown_socle_and_missing_terminology_exit_2(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "x.dat").write_bytes(b"x")
    assert cli("validate", "--socle", "nope", tmp_path / "x.dat").exit_code == 2
    result = cli("validate", "--terminology", tmp_path / "absent", tmp_path / "x.dat")
    assert result.exit_code == 2 and "no such directory" in result.output
