"""`conformance verify-batch`: many submitted runs checked at once, each against its own evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

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


def test_every_submission_is_judged_in_order(cli: Invoke, inbox: Path) -> None:
    result = cli("verify-batch", "--jsonl", inbox)
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["submission"]).name for r in rows[:-1]] == ["grappe-a", "grappe-b", "grappe-c"]
    assert [r["valid"] for r in rows[:-1]] == [True, True, False]
    assert any("does not match its SHA-256" in p for p in rows[2]["problems"])
    assert rows[-1] == {"summary": {"valid": 2, "invalid": 1}}


def test_two_jobs_judge_the_same(cli: Invoke, inbox: Path) -> None:
    one = cli("verify-batch", inbox)
    two = cli("verify-batch", "--jobs", "2", inbox)
    assert one.exit_code == two.exit_code == 1 and one.stdout == two.stdout
    assert one.stdout.rstrip().endswith("3 submissions: 2 valid, 1 invalid")


def test_all_valid_exits_0_and_shared_files_needs_a_scheduler(cli: Invoke, inbox: Path) -> None:
    assert cli("verify-batch", inbox / "ars-idf").exit_code == 0
    result = cli("verify-batch", "--shared-files", inbox)
    assert result.exit_code == 2 and "--shared-files goes with --scheduler" in result.output
