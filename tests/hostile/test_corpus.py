"""The hostile corpus (helpers.py) through `conformance validate`'s engine, in a child process under a hard
memory limit: every file gets its expected answer (the rules a refusal must fail, or a verdict), no
check crashes, nothing of /etc/passwd surfaces, each file is judged in bounded time and memory."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .helpers import write

MEMORY_LIMIT_MB = 2048  # address space of the judging process (RLIMIT_AS): a bomb that expands dies here
RSS_LIMIT_MB = 1024  # what the judge may really use at its peak
SECONDS_PER_FILE = 10.0
KINDS = {"cda", "soap", "vihf", "email", "xdm", "pdf", "fhir"}


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("hostile")
    write(folder)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.hostile.helpers", str(folder), str(MEMORY_LIMIT_MB)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return expected, json.loads(proc.stdout)


def test_the_corpus_covers_every_kind_with_120_files(judged: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    expected, results = judged
    assert len(expected) >= 120 and len(results) == len(expected)
    kinds = Counter(e["kind"] for e in expected.values())
    assert set(kinds) >= KINDS, kinds
    assert all(kinds[k] >= 4 for k in KINDS), kinds
    assert sum(1 for e in expected.values() if e["fails"]) >= 60  # refusals, each naming its rules


def test_every_hostile_file_gets_its_answer(judged: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    expected, results = judged
    problems = []
    for r in results:
        e = expected[r["name"]]
        if r["kind"] != e["kind"]:
            problems.append(f"{r['name']}: seen as {r['kind']}, expected {e['kind']}")
        if r["crashed"]:
            problems.append(f"{r['name']}: a check crashed: {r['crashed']}")
        if r["leaked"]:
            problems.append(f"{r['name']}: /etc/passwd content in a finding")
        missing = set(e["fails"]) - set(r["fails"])
        if missing:
            problems.append(f"{r['name']}: {sorted(missing)} should fail (failing: {r['fails']})")
        if r["verdict"] not in ("pass", "warn", "fail", "not-applicable"):
            problems.append(f"{r['name']}: no verdict ({r['verdict']})")
        if r["seconds"] > SECONDS_PER_FILE:
            problems.append(f"{r['name']}: {r['seconds']} s")
    assert not problems, "\n".join(problems)


def test_memory_stays_bounded(judged: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    _expected, results = judged
    peak = max(r["max_rss_mb"] for r in results)
    assert peak < RSS_LIMIT_MB, f"peak RSS {peak} MB"
