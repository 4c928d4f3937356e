"""Parallel runs (`conformance run -j N`, `pytest -n N --socle ...`) leave the run folder a serial run leaves.

The acceptance test compares a `-j 2` run of every socle with the shared serial demo run: the same
requirement verdicts, the same scenarios in the same order, the same evidence by kind, role, scenario
and requirement (bytes differ only by timestamps, ports and the ids the DUI draws), one driver history
answering the same actions in the same order, and a certificate that verifies against its evidence.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.evidence import read_jsonl
from conformance.engine.parallel import check_driver, check_loaded
from conformance.engine.recorder import SCENARIOS_LOG
from conformance.formats.pki import TestPKI
from tests.conftest import demo_options
from tests.helpers import Run, conformance_run

BIN = Path(sys.executable).parent


def entries(out: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((out / "evidence" / "index.json").read_text())["entries"]
    return data


def evidence_profile(out: Path) -> tuple[Counter[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """What each evidence file is, timestamps and ports aside: kind, role, scenario, requirements.

    `connection-burst` records are left out: they aggregate command-less connections by time (a burst ends
    after a quiet gap), so how many there are and which scenario closes one is timing, like a timestamp.
    Attached bytes (`meta.attached`: the parts a scenario judged, kept once per content) are compared as the
    set of their kinds, roles and requirements: two documents built in the same second are the same bytes
    and kept once, a second apart they are two files, so their count and first scenario are timing too."""
    kept = [e for e in entries(out) if e["kind"] != "connection-burst"]

    def role(e: dict[str, Any]) -> Any:
        return e.get("role") or e["meta"].get("role")

    recorded = Counter(
        (e["kind"], role(e), e["scenario"], tuple(sorted(e["requirements"])))
        for e in kept
        if not e["meta"].get("attached")
    )
    attached = {(e["kind"], role(e), tuple(sorted(e["requirements"]))) for e in kept if e["meta"].get("attached")}
    return recorded, attached


def verdicts(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (s, rid): r["verdict"] for s, socle in results["socles"].items() for rid, r in socle["requirements"].items()
    }


def scenario_outcomes(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [(x["id"], x["outcome"]) for socle in results["socles"].values() for x in socle["scenarios"]]


DRAWN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<=-session#)\d+")
EVIDENCE_NAME = re.compile(r"\b\d{5}-[a-z]")  # a sequence-numbered evidence file name


def finding_places(results: dict[str, Any]) -> Counter[tuple[str, str, str, str]]:
    """Each scenario's findings by requirement, verdict and location, with what the run draws masked (the
    DUI's UUIDs, each operator's session counter, like ports)."""
    return Counter(
        (x["id"], f["requirement"], f["verdict"], DRAWN.sub("*", f["location"]))
        for socle in results["socles"].values()
        for x in socle["scenarios"]
        for f in x["findings"]
    )


def history_actions(out: Path) -> list[str]:
    (history,) = [e for e in entries(out) if e["kind"] == "driver-history"]
    return [a["action"]["verb"] for a in json.loads((out / "evidence" / history["path"]).read_text())]


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory: pytest.TempPathFactory, session_pki: TestPKI) -> Run:
    """The shared serial demo run's options, on two workers."""
    out = tmp_path_factory.mktemp("parallel") / "run"
    return conformance_run(out, "--dui", "demo", "-j", "2", *demo_options(session_pki))


def test_parallel_run_matches_the_serial_run(demo_run: Run, parallel_run: Run) -> None:
    assert demo_run.returncode == 0, demo_run.output[-3000:]
    assert parallel_run.returncode == 0, parallel_run.output[-3000:]
    serial, parallel = demo_run.results(), parallel_run.results()
    assert parallel["status"] == "complete" and parallel["progress"] == serial["progress"]
    assert verdicts(parallel) == verdicts(serial)
    assert [s["verdict"] for s in parallel["socles"].values()] == [s["verdict"] for s in serial["socles"].values()]
    assert scenario_outcomes(parallel) == scenario_outcomes(serial)
    assert evidence_profile(parallel_run.out) == evidence_profile(demo_run.out)
    assert history_actions(parallel_run.out) == history_actions(demo_run.out)
    # a location names an evidence entry by what the merge does not renumber (its label; the finding's
    # `evidence` is its SHA-256): a worker's file number named another file, or none, in the merged folder
    assert finding_places(parallel) == finding_places(serial)
    assert not [k for k in finding_places(parallel) if EVIDENCE_NAME.search(k[3])]
    for socle in parallel["socles"]:  # each requirement cites as many evidence files as in the serial run
        for rid, req in parallel["socles"][socle]["requirements"].items():
            assert len(req["evidence"]) == len(serial["socles"][socle]["requirements"][rid]["evidence"]), rid


def test_parallel_evidence_is_numbered_in_collection_order(parallel_run: Run) -> None:
    results = parallel_run.results()
    order = {x["id"]: i for i, x in enumerate(x for s in results["socles"].values() for x in s["scenarios"])}
    rows = entries(parallel_run.out)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["path"].startswith(f"{r['seq']:05d}-") for r in rows)
    # a burst of command-less connections may be flushed when the operator stops, after every scenario
    assert all(r["kind"] == "connection-burst" for r in rows if r["scenario"] is None)
    positions = [order[r["scenario"]] for r in rows if r["scenario"] is not None]
    assert positions == sorted(positions)
    journal = [json.loads(line) for line in (parallel_run.out / "evidence" / "journal.jsonl").read_text().splitlines()]
    assert [j["path"] for j in journal] == [r["path"] for r in rows]
    for row in (r for r in rows if r["scenario"] is not None):  # every scenario lists the evidence it captured
        scenario = next(x for s in results["socles"].values() for x in s["scenarios"] if x["id"] == row["scenario"])
        assert row["sha256"] in scenario["evidence"]
    assert not (parallel_run.out / "workers").exists()
    assert (parallel_run.out / "junit.xml").is_file()
    total = results["progress"]["total"]  # one console line per scenario, as it ends, counted as a serial run counts
    assert all(f"[{n}/{total}] " in parallel_run.output for n in range(1, total + 1)), parallel_run.output[-3000:]


def references(value: Any) -> list[str]:
    """Every `{"$evidence": sha256}` and `{"$file": sha256}` a judgement record holds."""
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("$evidence", "$file"):
            return [str(next(iter(value.values())))]
        return [r for v in value.values() for r in references(v)]
    return []


def test_parallel_references_name_entries_of_the_merged_index(parallel_run: Run) -> None:
    """Each worker numbers its own files: what names another entry (a judgement record's artifact, parts
    and files, a part's container, an e-prescription exchange's request) must still name an entry of the merged
    index, and no name a check reads carries a worker's file number. Parts once named their container by the
    worker's file name, which in the merged folder was another file or none."""
    rows = entries(parallel_run.out)
    by_sha = {r["sha256"]: r for r in rows}
    parts = [r for r in rows if r["meta"].get("part_of")]
    assert parts and all(by_sha[r["meta"]["part_of"]]["role"] == r["role"] for r in parts)
    records = [r for r in rows if r["kind"] == "judgement"]
    named = 0
    for r in records:
        body = json.loads((parallel_run.out / "evidence" / r["path"]).read_text())
        if body.get("artifact"):
            assert body["artifact"]["sha256"] in by_sha and "path" not in body["artifact"]
            assert not EVIDENCE_NAME.match(body["artifact"]["name"]), body["artifact"]["name"]  # a worker's number
        for ref in references([body.get("artifact"), body.get("context")]):
            assert ref in by_sha, (r["path"], ref)
            named += 1
    assert records and named
    exchanges = [r for r in rows if r["kind"] == "eprescription-exchange"]
    bodies = [json.loads((parallel_run.out / "evidence" / r["path"]).read_text()) for r in exchanges]
    assert bodies and all(b["request_sha256"] in by_sha for b in bodies if b["request_sha256"])


def test_parallel_certificate_verifies_against_its_evidence(parallel_run: Run, session_pki: TestPKI) -> None:
    """Valid, and every recorded judgement made again confirms each verdict (`verify --rejudge`): the
    merge's renumbering kept every reference between judgement records and the entries they judged."""
    proc = subprocess.run(
        [
            str(BIN / "conformance"),
            "verify",
            str(parallel_run.out / "certificate.html"),
            "--evidence",
            parallel_run.out,
            "--trust",
            session_pki.root_cert,
            "--rejudge",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("valid"), proc.stdout + proc.stderr
    assert " 0 contradicted" in proc.stdout, proc.stdout


def test_a_driver_on_fixed_ports_or_with_a_person_runs_alone() -> None:
    """Two workers would bind the same documented ports, or ask one person twice at once."""

    class Fixed:
        fixed_ports = True

    class Person:
        interactive = True

    for driver in (Fixed(), Person()):
        assert "run it without -j" in (check_loaded(driver, "python:m:D", 2) or "")
        assert check_loaded(driver, "python:m:D", 1) is None
    assert check_loaded(object(), "python:m:D", 4) is None


def test_serial_runs_accept_every_driver() -> None:
    assert check_driver("manual", 1) is None and check_driver("python:pkg.mod:Driver", 4) is None
    assert check_driver("demo:missing-nil", 2) is None


def test_pytest_door_with_xdist(tmp_path: Path) -> None:
    """`pytest -n 2 --socle ...` (a vendor's CI): the workers get the controller's run, one folder results."""
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            str(BIN / "pytest"),
            "-n",
            "2",
            "--socle",
            "mssante",
            "-k",
            "test_send_professional or test_receipts",
            "--out",
            str(out),
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    ran = results["socles"]["mssante"]["scenarios"]
    assert results["status"] == "complete" and len(ran) == results["progress"]["total"] >= 10
    assert {x["id"].split("::")[0] for x in ran} == {"test_receipts.py", "test_send_professional.py"}
    assert all(x["outcome"] == "passed" for x in ran)
    assert (out / "certificate.html").is_file() and (out / "junit.xml").is_file()
    assert not (out / "workers").exists()


def test_a_parallel_run_leaves_the_users_pytest_folders_alone(tmp_path: Path) -> None:
    """A parallel run's controller makes a temporary folder for its workers: its own, not a new numbered one
    under pytest-of-<user>, whose creation deleted the user's older numbered folders (another pytest session's,
    a test suite's: once 9 s at the end of a run, and not the harness's to delete)."""
    root = tmp_path / "temproot"
    user = root / f"pytest-of-{getpass.getuser()}"
    older = [user / f"pytest-{n}" for n in range(1, 6)]
    for folder in older:
        (folder / "kept").mkdir(parents=True)
    proc = subprocess.run(
        [str(BIN / "conformance"), "run", "--socle", "mssante", "-j", "2", "--dui", "demo", "-k",
         "test_refuse_outside_whitelist or test_audit_trail", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTEST_DEBUG_TEMPROOT": str(root)},
    )  # fmt: skip
    ran = json.loads((tmp_path / "run" / "results.json").read_text())["socles"]["mssante"]["scenarios"]
    assert [s["outcome"] for s in ran] == ["passed", "passed"], proc.stdout[-3000:] + proc.stderr[-2000:]
    assert all((folder / "kept").is_dir() for folder in older)
    assert sorted(p.name for p in user.iterdir()) == sorted(f.name for f in older)  # and no new one


def test_a_failed_scenario_shows_its_failing_findings_in_a_parallel_run(tmp_path: Path) -> None:
    """The workers tell the controller a scenario's failing findings (only those: the console shows nothing
    else), and the console prints them under the failed scenario as a serial run does (seeded defect:
    the ITI-41 request carries the ITI-42 wsa:Action, DMP-T02)."""
    proc = subprocess.run(
        [str(BIN / "conformance"), "run", "--socle", "dmp", "-j", "2", "--dui", "demo:dmp-wsa-action", "-k",
         "test_feed_n1_document or test_consult", "--lang", "en", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    failed = [i for i, line in enumerate(lines) if "[DMP-T02]" in line]
    assert len(failed) == 1 and "FAILED" in lines[failed[0]], proc.stdout[-3000:]
    assert "fail DMP-T02" in lines[failed[0] + 1] and "wsa:Action" in lines[failed[0] + 1]
    passed = [i for i, line in enumerate(lines) if line.startswith("[") and "PASSED" in line]
    assert passed and all(not lines[i + 1].startswith("    ") for i in passed if i + 1 < len(lines))


def parallel_mssante(out: Path) -> subprocess.Popen[bytes]:
    """`conformance run --socle mssante -j 2` in its own process group, Ctrl-C-able as a foreground command."""
    return subprocess.Popen(
        [str(BIN / "conformance"), "run", "--socle", "mssante", "-j", "2", "--dui", "demo", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background session ignores SIGINT
    )


def test_ctrl_c_after_the_last_scenario_leaves_a_whole_run_folder(tmp_path: Path) -> None:
    """Ctrl-C, again and again, once every scenario has ended, while the workers stop and the controller merges
    and certifies: results.json holds every scenario and the certificate is there (a Ctrl-C there used to abort
    the merge: no scenario in results.json, no certificate, the verdicts left in the workers' folders)."""
    out = tmp_path / "run"
    proc = parallel_mssante(out)
    deadline = time.monotonic() + 240
    try:
        total = 0
        while time.monotonic() < deadline and proc.poll() is None:
            ended = [x for log in (out / "workers").glob(f"gw*/{SCENARIOS_LOG}") for x in read_jsonl(log)]
            for worker in (out / "workers").glob("gw*/results.json"):  # every worker plans the whole collection
                with contextlib.suppress(OSError, ValueError, KeyError):
                    total = total or json.loads(worker.read_text())["progress"]["total"]
            if total and len(ended) >= total:
                break
            time.sleep(0.01)
        assert total == 37 and proc.poll() is None, "the run ended before its last scenario was seen"
        while proc.poll() is None and time.monotonic() < deadline:  # an impatient user: Ctrl-C every 50 ms
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    results = json.loads((out / "results.json").read_text())
    assert len(results["socles"]["mssante"]["scenarios"]) == results["progress"]["total"] == 37
    assert results["status"] in ("complete", "interrupted") and (out / "certificate.html").is_file()
    assert results["socles"]["mssante"]["verdict"] == "pass"  # every scenario ended: the socle keeps its verdict
    assert not (out / "workers").exists()


def test_interrupted_parallel_run_keeps_what_was_recorded(tmp_path: Path) -> None:
    """Ctrl-C during `run -j 2`: the run folder says interrupted and holds every scenario the workers ended."""
    out = tmp_path / "run"
    proc = parallel_mssante(out)
    ended: list[str] = []
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and len(ended) < 6:
            # each worker appends a scenario to its scenarios.jsonl as it ends (its results.json lags up to a second)
            ended = [x["id"] for log in (out / "workers").glob(f"gw*/{SCENARIOS_LOG}") for x in read_jsonl(log)]
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    results = json.loads((out / "results.json").read_text())
    kept = [x["id"] for x in results["socles"]["mssante"]["scenarios"]]
    assert len(ended) >= 6 and set(ended) <= set(kept)
    if len(kept) < results["progress"]["total"]:  # the Ctrl-C came before the last scenario ended
        assert results["status"] == "interrupted" and results["socles"]["mssante"]["verdict"] == "incomplete"
    assert proc.returncode != 0 or results["status"] == "complete"
    rows = entries(out)
    assert rows and all((out / "evidence" / r["path"]).is_file() for r in rows)
    assert {r["scenario"] for r in rows} <= set(kept) | {None}
