"""Aggregation rules of results.json and the run's exit status."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conformance.engine.recorder import SCENARIOS_LOG, WRITE_EVERY, RunInfo, RunRecorder
from conformance.engine.results import exit_code, requirement_verdict, socle_verdict
from conformance.model import Finding, Verdict


def _f(v: Verdict) -> Finding:
    return Finding("X", v, "en", "fr")


def test_requirement_verdict_is_the_worst_finding() -> None:
    assert requirement_verdict([]) == "not-tested"
    assert requirement_verdict([_f(Verdict.NOT_APPLICABLE)]) == "not-applicable"
    assert requirement_verdict([_f(Verdict.PASS), _f(Verdict.NOT_APPLICABLE)]) == "pass"
    assert requirement_verdict([_f(Verdict.PASS), _f(Verdict.WARN)]) == "warn"
    assert requirement_verdict([_f(Verdict.WARN), _f(Verdict.FAIL), _f(Verdict.PASS)]) == "fail"


def test_socle_fails_on_untested_exigence() -> None:
    ok = {"level": "EXIGENCE", "checked": True, "verdict": "pass"}
    assert socle_verdict({"a": ok}) == "pass"
    assert socle_verdict({"a": ok, "b": {**ok, "verdict": "not-tested"}}) == "fail"
    assert socle_verdict({"a": ok, "b": {**ok, "checked": False, "verdict": "not-checked"}}) == "pass"
    assert socle_verdict({"a": ok, "b": {**ok, "level": "PRECONISATION", "verdict": "warn"}}) == "pass-with-warnings"


def test_exit_code() -> None:
    assert exit_code({"status": "complete", "socles": {"a": {"verdict": "pass"}}}) == 0
    assert exit_code({"status": "complete", "socles": {"a": {"verdict": "fail"}}}) == 1
    assert exit_code({"status": "incomplete", "socles": {"a": {"verdict": "pass"}}}) == 1


def written(path: Path, done: int) -> dict:
    """results.json once it counts `done` scenarios (the recorder writes at most every WRITE_EVERY seconds)."""
    deadline = time.monotonic() + 10 * WRITE_EVERY + 5
    while True:
        data = json.loads(path.read_text())
        if data["progress"]["done"] >= done or time.monotonic() > deadline:
            return data
        time.sleep(0.02)


def test_interrupted_run_says_incomplete(tmp_path: Path) -> None:
    rec = RunRecorder(RunInfo("r1", tmp_path, ["mssante"], "demo", {"name": "x"}))
    rec.begin("s1", "mssante", "s1", "t", ["MSS-MSG-01"])
    rec.add_findings("s1", [Finding("MSS-MSG-01", Verdict.PASS, "ok", "ok")])
    rec.end("s1", "passed", 0.1)
    # no finish(): the process was killed here; the ended scenario is in the log at once
    logged = [json.loads(line) for line in (tmp_path / SCENARIOS_LOG).read_text().splitlines()]
    assert [(s["id"], s["outcome"], len(s["findings"])) for s in logged] == [("s1", "passed", 1)]
    # and in results.json within WRITE_EVERY seconds, even though no other scenario ends to trigger a write
    data = written(tmp_path / "results.json", 1)
    assert data["status"] == "incomplete" and data["progress"]["done"] == 1
    assert data["socles"]["mssante"]["verdict"] == "incomplete"
    assert data["socles"]["mssante"]["requirements"]["MSS-MSG-01"]["verdict"] == "pass"


def test_results_are_written_at_most_every_write_every_seconds_and_completely_at_the_end(tmp_path: Path) -> None:
    """Scenarios ending in a burst: results.json is not rewritten after each (the quadratic bookkeeping), the
    log has every one in order, and finish() writes them all."""
    rec = RunRecorder(RunInfo("r1", tmp_path, ["mssante"], "demo", {"name": "x"}))
    ids = [f"s{i}" for i in range(30)]
    for nodeid in ids:
        rec.begin(nodeid, "mssante", nodeid, "t", ["MSS-MSG-01"])
        rec.add_findings(nodeid, [Finding("MSS-MSG-01", Verdict.PASS, "ok", "ok")])
        rec.end(nodeid, "passed", 0.0)
    early = json.loads((tmp_path / "results.json").read_text())["progress"]["done"]
    assert early < len(ids)  # the burst did not rewrite results.json thirty times
    logged = [json.loads(line)["id"] for line in (tmp_path / SCENARIOS_LOG).read_text().splitlines()]
    assert logged == ids
    data = rec.finish()
    assert data["progress"]["done"] == len(ids) and data["status"] == "complete"
    final = (tmp_path / "results.json").read_text()
    assert json.loads(final)["progress"]["done"] == len(ids) and final.startswith("{\n  ")  # indented at the end


def test_a_write_while_a_scenario_runs_leaves_out_its_findings_so_far(tmp_path: Path) -> None:
    """The timer's write (a run killed just after it) shows the scenarios that ended, never a verdict made
    from a half-judged scenario."""
    rec = RunRecorder(RunInfo("r1", tmp_path, ["mssante"], "demo", {"name": "x"}))
    rec.begin("s1", "mssante", "s1", "t", ["MSS-MSG-01"])
    rec.add_findings("s1", [Finding("MSS-MSG-01", Verdict.PASS, "ok", "ok")])
    rec.end("s1", "passed", 0.1)
    rec.begin("s2", "mssante", "s2", "t", ["MSS-MSG-01"])
    rec.add_findings("s2", [Finding("MSS-MSG-01", Verdict.FAIL, "half-judged", "à moitié jugé")])
    data = written(tmp_path / "results.json", 1)  # the timer's write, while s2 runs
    scenarios = data["socles"]["mssante"]["scenarios"]
    assert [s["id"] for s in scenarios] == ["s1"]
    assert data["socles"]["mssante"]["requirements"]["MSS-MSG-01"]["verdict"] == "pass"
    rec.end("s2", "failed", 0.1)
    assert rec.finish()["socles"]["mssante"]["requirements"]["MSS-MSG-01"]["verdict"] == "fail"
