"""Batch validation (conformance.engine.batch): the walk, worker processes, order, bounded window, summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.engine.batch import (
    BatchSettings,
    Summary,
    count,
    in_order,
    prepare,
    validate_files,
    validate_named,
    walk,
)
from conformance.engine.validate import validate_path
from tests.socles.mssante.helpers import Doc, build_message, cda_bytes, pdf_bytes, xdm_zip


def write_sample(root: Path) -> list[Path]:
    """Files of every kind a vendor's export holds, in two folders; broken ones among them."""
    files = {
        "a/message.eml": build_message(),
        "a/sub/IHE_XDM.zip": xdm_zip(),
        "a/sub/doc.pdf": pdf_bytes(),
        "b/cda-good.xml": cda_bytes(Doc()),
        "b/cda-bad.xml": cda_bytes(Doc()).replace(b"ClinicalDocument", b"ClinicalDocumentX", 1),
        "b/garbage.dat": b"\x00\x01garbage",
        "b/truncated.eml": build_message()[:200],
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return [root / "a", root / "b"]


@pytest.fixture
def sample(tmp_path: Path) -> list[Path]:
    return write_sample(tmp_path)


def test_walk_is_ordered_recursive_and_lazy(tmp_path: Path, sample: list[Path]) -> None:
    (tmp_path / "b" / "loop").symlink_to(tmp_path / "b")  # a link back up: never followed
    missing = tmp_path / "absent.eml"
    found = [p.relative_to(tmp_path).as_posix() for p in walk([*sample, missing])]
    assert found == [
        "a/message.eml",
        "a/sub/IHE_XDM.zip",
        "a/sub/doc.pdf",
        "b/cda-bad.xml",
        "b/cda-good.xml",
        "b/garbage.dat",
        "b/truncated.eml",
        "absent.eml",  # reported, not skipped: validation says it is unreadable
    ]
    assert count(sample) == 7
    assert isinstance(walk(sample), Iterator)


def test_two_workers_give_the_results_of_one_in_the_same_order(sample: list[Path]) -> None:
    # one reference time for both: without it each judges at its own validation time, which findings name to
    # the second (two validations a second apart differ in those words, not in their verdicts)
    settings = BatchSettings(at=datetime.now(UTC).isoformat(timespec="seconds"))
    one = list(validate_files(walk(sample), settings, jobs=1))
    two = list(validate_files(walk(sample), settings, jobs=2))
    assert one == two
    assert [r["file"] for r in one] == [str(p) for p in walk(sample)]
    assert {r["kind"] for r in one} == {"email", "xdm", "pdf", "cda", "unknown"}
    by_name = {Path(r["file"]).name: r for r in one}
    assert by_name["garbage.dat"]["verdict"] == "fail"
    assert by_name["cda-bad.xml"]["verdict"] == "fail"
    assert by_name["truncated.eml"]["verdict"] == "fail"
    assert len(by_name["message.eml"]["parts"]) == 4  # the e-mail, its archive, the archive's CDA, the PDF copy
    # the one code path of validate, at the same reference time
    assert one == [validate_path(p, settings.context()).to_json() for p in walk(sample)]


def test_socle_selection_reaches_the_workers(sample: list[Path]) -> None:
    results = list(validate_files(walk(sample), BatchSettings(socles=("dmp",)), jobs=2))
    email = next(r for r in results if r["file"].endswith("message.eml"))
    assert {f["requirement"] for f in email["findings"]} == {"HARNESS-KIND"}  # no DMP check reads an e-mail


def test_results_come_in_order_with_a_bounded_window() -> None:
    """Whatever finishes first, results are read back in input order, never more than `window` ahead."""
    in_flight: list[int] = []
    peak = 0

    class Later:
        def __init__(self, chunk: list[str]) -> None:
            self.chunk = chunk
            in_flight.append(1)

        def result(self) -> list[dict[str, str]]:
            in_flight.pop()
            return [{"file": f} for f in self.chunk]

    def submit(chunk: list[str]) -> Later:
        nonlocal peak
        later = Later(chunk)
        peak = max(peak, len(in_flight))
        return later

    work = ([f"{i}-{j}"] for i in range(100) for j in range(3))
    out = [r["file"] for r in in_order(submit, work, window=8)]
    assert out == [f"{i}-{j}" for i in range(100) for j in range(3)]
    assert peak == 8 and not in_flight


def test_shipped_bytes_judge_like_a_path(tmp_path: Path, sample: list[Path]) -> None:
    """What a Dask worker receives (bytes, or why the client could not read the file) gives the local result."""
    from conformance.engine.batch_dask import read_shipped

    paths = [*walk(sample), tmp_path / "absent.eml"]
    prepare(BatchSettings())  # as a Dask worker does before its first task (no reference time: validation time)
    shipped = validate_named([(str(p), read_shipped(p, BatchSettings().max_bytes)) for p in paths])
    assert shipped == [validate_path(p).to_json() for p in paths]
    assert shipped[-1]["findings"][0]["requirement"] == "HARNESS-INPUT"


def test_summary_counts_files_per_kind_and_requirement() -> None:
    summary = Summary()
    f = {"requirement": "R-1", "verdict": "pass"}
    summary.add(
        {"kind": "cda", "verdict": "fail", "findings": [f, {**f, "verdict": "fail"}, {**f, "requirement": "R-2"}]}
    )
    summary.add({"kind": "cda", "verdict": "pass", "findings": [f]})
    summary.add({"kind": "email", "verdict": "warn", "findings": [{**f, "verdict": "warn"}]})
    data = summary.to_json()["summary"]
    assert data["files"] == 3 and summary.failed == 1
    assert data["verdicts"] == {"fail": 1, "pass": 1, "warn": 1}
    assert data["kinds"] == {"cda": {"fail": 1, "pass": 1}, "email": {"warn": 1}}
    # a requirement counts once per file, at its worst verdict in that file
    assert data["requirements"] == {"R-1": {"fail": 1, "pass": 1, "warn": 1}, "R-2": {"pass": 1}}
    assert "3 files: fail 1, pass 1, warn 1" in summary.lines()[0]


def test_one_job_judges_with_the_batch_settings_not_with_the_process_state(sample: list[Path]) -> None:
    """A process configured before (here PDFBox Preflight as the external PDF/A validator, as an earlier test
    or command may leave it) judges a one-job batch as the workers of a two-job batch do: with the settings."""
    from conformance.formats import preflight

    settings = BatchSettings(at=datetime.now(UTC).isoformat(timespec="seconds"))  # one reference time for both
    expected = list(validate_files(walk(sample), settings, jobs=2))
    try:
        preflight.configure("preflight")
    except preflight.PreflightUnavailable:
        pytest.skip("PDFBox Preflight is not installed")
    try:
        assert list(validate_files(walk(sample), settings, jobs=1)) == expected
    finally:
        preflight.configure(None)
