"""`conformance validate` as a user types it: JSON on stdout, the socles' options and their usage errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conformance.formats.pki import TestPKI
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.xds import envelope
from tests.cli.conftest import Invoke
from tests.socles.dmp import helpers as dmp


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


# -- issue 12: --at, --trust, --crl ----------------------------------------------------------------------------------


def _saved_request(tmp_path: Path) -> tuple[Path, TestPKI]:
    """An ITI-41 MTOM body (no HTTP headers) whose VIHF is signed with the test PKI's cachet."""
    pki = TestPKI.load_or_create(tmp_path / "pki")
    env = envelope(dmp.pnr_root(), dmp.vihf(pki), "https://localhost/dmp")
    _, body = mtom_request(env, {})
    path = tmp_path / "request.mime"
    path.write_bytes(body)
    return path, pki


def _v02(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    return [f for f in rows[0]["findings"] if f["requirement"] == "DMP-V02"]  # type: ignore[index,union-attr]


@pytest.mark.requirements("DMP-V02", "DMP-V09")
def test_trust_anchors_and_capture_time(cli: Invoke, tmp_path: Path) -> None:
    path, pki = _saved_request(tmp_path)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    bare = json.loads(cli("validate", "--json", path).stdout)
    assert {f["verdict"] for f in _v02(bare)} == {"not-applicable"}  # trust not evaluated, never passed
    assert "not evaluated" in _v02(bare)[0]["message"]
    assert bare[0]["reference_time"]["source"] == "validation"
    trusted = json.loads(
        cli("validate", "--json", "--trust", pki.ca_bundle, "--crl", pki.crl, "--at", now, path).stdout
    )
    assert {f["verdict"] for f in _v02(trusted)} == {"pass"}
    assert trusted[0]["reference_time"] == {"time": now.replace("Z", "+00:00"), "source": "given"}
    v09 = [f for f in trusted[0]["findings"] if f["requirement"] == "DMP-V09"]
    assert {f["verdict"] for f in v09} == {"pass"}
    # the verdict follows the reference time, not the wall clock: a bare file's IssueInstant is not judged
    # (issue 12: pass, then warn ten minutes later), one given an hour later is judged against that hour
    assert "DMP-V09" not in {f["requirement"] for f in bare[0]["findings"] if f["verdict"] in ("fail", "warn")}
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    late = json.loads(cli("validate", "--json", "--at", later, path).stdout)
    stale = [f for f in late[0]["findings"] if f["requirement"] == "DMP-V09" and f["verdict"] in ("fail", "warn")]
    assert stale and "IssueInstant" in stale[0]["location"]
    rogue = json.loads(cli("validate", "--json", "--trust", pki.rogue_ca_cert, "--at", now, path).stdout)
    assert {f["verdict"] for f in _v02(rogue)} == {"fail"}
    assert [p["kind"] for p in trusted[0]["parts"]] == ["soap", "xds-metadata", "cda"]


def test_the_text_output_names_the_part(cli: Invoke, tmp_path: Path) -> None:
    path, _ = _saved_request(tmp_path)
    result = cli("validate", path)
    assert f"[{path}#envelope]" in result.output  # a finding of the request's XDS metadata


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--at", "yesterday"), "not an ISO 8601 date-time"),
        (("--crl", "{crl}"), "--crl needs --trust"),
        (("--trust", "{junk}"), "no PEM or DER certificate"),
    ],
    ids=["bad-at", "crl-alone", "trust-not-a-certificate"],
)
def test_usage_errors_of_the_time_and_trust_options(
    cli: Invoke, tmp_path: Path, args: tuple[str, str], needle: str
) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate")
    (tmp_path / "x.xml").write_bytes(b"<a/>")
    given = [a.format(crl=tmp_path / "junk.pem", junk=tmp_path / "junk.pem") for a in args]
    result = cli("validate", *given, tmp_path / "x.xml")
    assert result.exit_code == 2 and needle in result.output
