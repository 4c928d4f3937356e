"""Observations are artifacts judged by registered checks: readable, refused when edited, never a traceback."""

from __future__ import annotations

import json

from conformance.model import Artifact, Verdict
from conformance.observations import REFUSAL_RULE, SCHEMA, Observation, kind_of
from conformance.registry import run_checks
from conformance.socle import load_all_checks


def _judge(data: bytes, socle: str = "mssante") -> list:
    load_all_checks()
    return run_checks(Artifact(kind_of(socle), "obs.json", data), socles=[socle])


def test_an_observation_is_judged_from_its_record() -> None:
    good = Observation("limits.oversize", "MSS-SIZE-01", {"status": "refused", "detail": "trop gros", "messages": 0})
    bad = Observation("limits.oversize", "MSS-SIZE-01", {"status": "ok", "detail": "", "messages": 1})
    assert [(f.requirement, f.verdict) for f in _judge(good.to_bytes())] == [("MSS-SIZE-01", Verdict.PASS)]
    [finding] = _judge(bad.to_bytes())
    assert finding.verdict is Verdict.FAIL and finding.message_fr and finding.message_en


def test_an_unreadable_or_foreign_record_fails_the_harness_rule() -> None:
    for data in (b"not json", json.dumps({"schema": "other"}).encode(), json.dumps({"schema": SCHEMA}).encode()):
        [finding] = _judge(data)
        assert finding.requirement == REFUSAL_RULE and finding.verdict is Verdict.FAIL
    foreign = Observation("limits.oversize", "MSS-TLS-01", {"status": "refused", "detail": "", "messages": 0})
    [finding] = _judge(foreign.to_bytes())
    assert finding.requirement == REFUSAL_RULE and "MSS-TLS-01" in finding.message_en


def test_facts_edited_into_another_shape_fail_the_requirement_not_the_harness() -> None:
    edited = Observation("limits.oversize", "MSS-SIZE-01", {"state": "refused"})
    [finding] = _judge(edited.to_bytes())
    assert finding.requirement == "MSS-SIZE-01" and finding.verdict is Verdict.FAIL
    assert "limits.oversize" in finding.message_en


def test_an_unknown_rule_is_judged_by_nobody() -> None:
    assert _judge(Observation("no.such.rule", "MSS-SIZE-01", {}).to_bytes()) == []
