"""`conformance verify-batch`: many submitted runs checked at once, each against its own evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.formats.pki import TestPKI
from tests.cli.conftest import Invoke
from tests.helpers import Run


def submissions(demo_run: Run, root: Path) -> Path:
    """Three grappes' submissions: a run folder, a certificate with its evidence.zip, a tampered run."""
    inbox = root / "inbox"
    shutil.copytree(demo_run.out, inbox / "ars-idf" / "grappe-a")
    bundle = inbox / "ars-idf" / "grappe-b"
    bundle.mkdir(parents=True)
    for name in ("certificate.html", "evidence.zip"):
        shutil.copyfile(demo_run.out / name, bundle / name)
    tampered = inbox / "ars-occitanie" / "grappe-c"
    shutil.copytree(demo_run.out, tampered)
    victim = sorted((tampered / "evidence").glob("00001-*"))[0]
    victim.write_bytes(victim.read_bytes() + b" ")
    return inbox


@pytest.fixture
def inbox(demo_run: Run, tmp_path: Path) -> Path:
    return submissions(demo_run, tmp_path)


def test_every_submission_is_judged_in_order(cli: Invoke, inbox: Path, session_pki: TestPKI) -> None:
    result = cli("verify-batch", "--jsonl", "--trust", session_pki.root_cert, inbox)
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["submission"]).name for r in rows[:-1]] == ["grappe-a", "grappe-b", "grappe-c"]
    assert [r["status"] for r in rows[:-1]] == ["valid", "valid", "invalid"]
    assert [r["valid"] for r in rows[:-1]] == [True, True, False]
    assert any("does not match its SHA-256" in p or "altered" in p for p in rows[2]["problems"]), rows[2]
    assert rows[-1] == {"summary": {"valid": 2, "not-trusted": 0, "invalid": 1}}


def test_without_a_trust_list_signers_are_not_trusted(cli: Invoke, inbox: Path) -> None:
    result = cli("verify-batch", inbox / "ars-idf")
    assert result.exit_code == 3, result.output
    assert "grappe-a: intact, signer not trusted" in result.stdout
    assert result.stdout.rstrip().endswith("2 submissions: 0 valid, 2 intact with a signer not trusted, 0 invalid")


def test_two_jobs_judge_the_same(cli: Invoke, inbox: Path, session_pki: TestPKI) -> None:
    one = cli("verify-batch", "--trust", session_pki.root_cert, inbox)
    two = cli("verify-batch", "--jobs", "2", "--trust", session_pki.root_cert, inbox)
    assert one.exit_code == two.exit_code == 1 and one.stdout == two.stdout
    assert one.stdout.rstrip().endswith("3 submissions: 2 valid, 0 intact with a signer not trusted, 1 invalid")


def test_rejudge_confirms_each_requirement(cli: Invoke, inbox: Path, session_pki: TestPKI) -> None:
    """Every recorded judgement made again, per submission: an honest run is confirmed requirement by
    requirement (a contradicted verdict is `engine.rejudge`'s to find: tests/certificate/test_forgeries.py)."""
    trust = ("--trust", session_pki.root_cert)
    result = cli("verify-batch", "--jsonl", "--rejudge", *trust, inbox / "ars-idf" / "grappe-a")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[0])
    again = row["rejudged"]
    assert again["judgements"] > 100 and again["contradicted"] == []
    statuses = {s for reqs in again["requirements"].values() for s in reqs.values()}
    assert statuses == {"confirmed"} and again["confirmed"] == sum(len(r) for r in again["requirements"].values())


def test_bad_trust_list_is_a_usage_error(cli: Invoke, inbox: Path, tmp_path: Path) -> None:
    bad = tmp_path / "trust.pem"
    bad.write_text("not a certificate")
    assert cli("verify-batch", "--trust", bad, inbox).exit_code == 2


def test_all_valid_exits_0_and_shared_files_needs_a_scheduler(cli: Invoke, inbox: Path, session_pki: TestPKI) -> None:
    assert cli("verify-batch", "--trust", session_pki.root_cert, inbox / "ars-idf").exit_code == 0
    result = cli("verify-batch", "--shared-files", inbox)
    assert result.exit_code == 2 and "--shared-files goes with --scheduler" in result.output
