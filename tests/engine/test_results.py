"""Aggregation rules of results.json and the run's exit status."""

from __future__ import annotations

from pathlib import Path

from conformance.engine.recorder import RunInfo, RunRecorder
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


def test_interrupted_run_says_incomplete(tmp_path: Path) -> None:
    rec = RunRecorder(RunInfo("r1", tmp_path, ["mssante"], "demo", {"name": "x"}))
    rec.begin("s1", "mssante", "s1", "t", ["MSS-MSG-01"])
    rec.add_findings("s1", [Finding("MSS-MSG-01", Verdict.PASS, "ok", "ok")])
    rec.end("s1", "passed", 0.1)
    # no finish(): the process was killed here
    import json

    data = json.loads((tmp_path / "results.json").read_text())
    assert data["status"] == "incomplete" and data["progress"]["done"] == 1
    assert data["socles"]["mssante"]["verdict"] == "incomplete"
    assert data["socles"]["mssante"]["requirements"]["MSS-MSG-01"]["verdict"] == "pass"
