"""`conformance validate` over folders: --jobs, --jsonl streaming with a summary, the progress bar, usage errors."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.engine.test_batch import write_sample

BIN = Path(sys.executable).parent


@pytest.fixture
def sample(tmp_path: Path) -> list[Path]:
    return write_sample(tmp_path)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_streams_one_object_per_file_then_the_summary(cli: Invoke, sample: list[Path]) -> None:
    result = cli("validate", "--jsonl", *sample)
    assert result.exit_code == 1  # the sample holds broken files
    rows = jsonl(result.stdout)
    files, summary = rows[:-1], rows[-1]["summary"]
    keys = {"file", "kind", "verdict", "findings", "parts", "reference_time"}
    assert len(files) == 7 and all(set(r) == keys for r in files)
    assert summary["files"] == 7 and sum(summary["verdicts"].values()) == 7
    assert summary["kinds"]["unknown"] == {"fail": 2}  # garbage, and a root that is no ClinicalDocument
    assert "HARNESS-KIND" in summary["requirements"]
    assert all(len(line) == len(line.strip()) for line in result.stdout.splitlines())  # one line each


def test_jobs_change_nothing_but_the_speed(cli: Invoke, sample: list[Path]) -> None:
    at = ("--at", "2026-11-20T10:00:00Z")  # findings name the reference time to the second: one for both
    one = cli("validate", "--jsonl", *at, *sample)
    two = cli("validate", "--jsonl", "--jobs", "2", *at, *sample)
    assert two.exit_code == one.exit_code == 1
    assert two.stdout == one.stdout


def test_text_mode_ends_with_the_summary(cli: Invoke, sample: list[Path]) -> None:
    result = cli("validate", "-j", "2", *sample)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    tail = lines[lines.index("by kind:") - 1 :]
    assert tail[0].startswith("7 files: fail ")
    assert any(line.split()[0] == "cda" for line in tail) and "by requirement (files):" in tail


def test_a_passing_batch_exits_0(cli: Invoke, tmp_path: Path) -> None:
    good = (Path(__file__).resolve().parents[2] / "fixtures" / "eprescription" / "ordonnance-good.json").read_bytes()
    for i in range(3):
        (tmp_path / f"o{i}.json").write_bytes(good)
    result = cli("validate", "--jsonl", "-j", "2", tmp_path)
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout)[-1]["summary"]["files"] == 3


def test_output_modes_and_scheduler_options_are_checked(cli: Invoke, sample: list[Path]) -> None:
    both = cli("validate", "--json", "--jsonl", *sample)
    assert both.exit_code == 2 and "choose one output" in both.output
    shared = cli("validate", "--shared-files", *sample)
    assert shared.exit_code == 2 and "--shared-files goes with --scheduler" in shared.output
    assert cli("validate", "--jobs", "0", *sample).exit_code == 2


def test_progress_bar_on_a_terminal_leaves_stdout_pure(sample: list[Path]) -> None:
    """A person at a terminal sees the bar on stderr; a pipe on stdout still gets pure JSON lines."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(BIN / "conformance"), "validate", "--jsonl", "-j", "2", *map(str, sample)],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 1
    assert jsonl(proc.stdout.decode())[-1]["summary"]["files"] == 7
    screen = seen.decode("utf-8", "replace")
    assert "validate" in screen and "7/7" in screen and "━" in screen


def test_no_bar_in_a_pipe(cli: Invoke, sample: list[Path]) -> None:
    result = cli("validate", "--jsonl", *sample)
    assert "━" not in result.output
