"""The counting policy and the run's mode: mocks and sandbox runs may count, imported captures only witnessed.

`conformance.certificate.policy.count_socle` with the shipped policy (profiles/policy/), on a socle whose
every checked EXIGENCE passed, so that the mode is the only reason a socle does not count. `witnessed` is
the certificate's witness (`--witness`, signed with the witness's own key), never a field of results.json.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.certificate.policy import count_socle, load_policy


def passing_socle() -> dict[str, Any]:
    req = {"checked": True, "level": "EXIGENCE", "verdict": "pass"}
    return {"verdict": "pass", "requirements": {"DMP-T01": req}, "scenarios": [{"outcome": "passed"}]}


@pytest.mark.parametrize(
    ("mode", "witnessed", "counts", "reason"),
    [
        ("mock-services", False, True, ""),
        ("sandbox", False, True, ""),
        ("imported", False, False, "le mode « échanges importés » ne compte pas sans témoin"),
        ("imported", True, True, ""),
        ("validate", True, False, "le mode « validate » ne compte pas"),
    ],
)
def test_which_modes_count(mode: str, witnessed: bool, counts: bool, reason: str) -> None:
    policy = load_policy()
    assert policy.counting_modes == ("mock-services", "sandbox") and policy.witnessed_modes == ("imported",)
    got = count_socle(policy, "dmp", passing_socle(), mode, True, witnessed=witnessed)
    assert got.counts is counts, got.reasons_fr
    assert (reason in got.reasons_fr) if reason else not got.reasons_fr


def test_a_sandbox_run_counts_on_live_scenarios_only() -> None:
    """A sandbox run whose every scenario was not run ("non exécuté en bac à sable") ran nothing live."""
    socle = passing_socle() | {"scenarios": [{"outcome": "skipped"}]}
    got = count_socle(load_policy(), "dmp", socle, "sandbox", True)
    assert not got.counts and "aucun scénario de bout en bout réussi" in got.reasons_fr[0]


@pytest.mark.parametrize(
    ("verdict", "mode", "counts"),
    [
        ("not-run-sandbox", "sandbox", True),
        ("not-run-sandbox", "mock-services", False),  # no mock run declares a scenario not run: edited results
        ("not-run-imported", "imported", True),
        ("not-run-imported", "sandbox", False),
    ],
)
def test_what_a_mode_could_not_judge_blocks_only_in_another_mode(verdict: str, mode: str, counts: bool) -> None:
    socle = passing_socle()
    socle["requirements"]["DMP-T02"] = {"checked": True, "level": "EXIGENCE", "verdict": verdict}
    got = count_socle(load_policy(), "dmp", socle, mode, True, witnessed=True)
    assert got.counts is counts, got.reasons_fr
    assert counts or "exigences non satisfaites : DMP-T02" in got.reasons_fr


def test_scenarios_a_mode_declares_not_run_are_no_skip() -> None:
    """A sandbox run that did not run a scenario the platform cannot serve, with the reason, is complete; the
    same skipped scenario in a mock run (or a skip without reason) makes it partial."""
    from conformance.engine.results import completeness

    declared = {"outcome": "skipped", "not_run": {"fr": "non exécuté en bac à sable : ...", "en": "..."}}
    scenarios = [{"outcome": "passed"}, declared]
    results = {
        "status": "complete",
        "mode": "sandbox",
        "progress": {"done": 2, "total": 2},
        "socles": {"dmp": {"scenarios": scenarios}},
    }
    assert completeness(results)["complete"]
    assert not completeness(results | {"mode": "mock-services"})["complete"]
    bare = {"dmp": {"scenarios": [{"outcome": "passed"}, {"outcome": "skipped"}]}}
    assert not completeness(results | {"socles": bare})["complete"]
