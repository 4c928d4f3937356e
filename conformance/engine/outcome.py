"""How a scenario's pytest reports become its conformance outcome.

A scenario never asserts by itself: it passes only when every requirement it declares was judged
and none failed, and a scenario that died (the driver crashed or timed out, a service broke) fails
each declared requirement with the reason, so the run folder says why nothing could be judged.
The outcome kept for results.json is the first failure of setup, call or teardown, else a skip.
"""

from __future__ import annotations

import pytest

from conformance.drivers.base import DriverError
from conformance.engine.messages import M
from conformance.engine.results import requirement_verdict
from conformance.engine.verifier import Verifier

OUTCOME_KEY = pytest.StashKey[tuple[str, str]]()


def fail_unmet(report: pytest.TestReport, verifier: Verifier) -> None:
    """A passing call whose declared requirements failed, or were never judged, fails."""
    if report.when == "call" and report.passed:
        problems = verifier.problems()
        if problems:
            report.outcome = "failed"
            report.longrepr = "requirements not met:\n  " + "\n  ".join(problems)


def record_death(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], verifier: Verifier) -> None:
    """The scenario died of something else than a failed assertion: its declared requirements fail."""
    if not report.failed or call.excinfo is None or call.excinfo.errisinstance(AssertionError):
        return
    where = f"{item.nodeid} ({report.when})"
    error = call.excinfo.value
    if isinstance(error, DriverError) and error.key in M.table:  # a driver problem the engine words itself
        verifier.record([M.fail(rid, error.key, where, **error.params) for rid in verifier.declared])
        return
    if isinstance(error, DriverError):
        message, key = (str(error).strip().splitlines() or [""])[-1][:500], "scenario-driver-error"
    else:
        message, key = call.excinfo.exconly().strip().splitlines()[-1][:500], "scenario-error"
    verifier.record([M.fail(rid, key, where, message=message) for rid in verifier.declared])


def annotate(report: pytest.TestReport, verifier: Verifier) -> None:
    """What was judged, on which evidence: read by the pytest-html columns and by any reporter."""
    if report.when != "call":
        return
    report.conformance_requirements = {  # type: ignore[attr-defined]
        rid: requirement_verdict(f for f in verifier.findings if f.requirement == rid) for rid in verifier.declared
    }
    report.conformance_evidence = sorted(  # type: ignore[attr-defined]
        {r.sha256 for r in verifier.recorder.journal.refs(report.nodeid)}
    )


def remember(item: pytest.Item, report: pytest.TestReport) -> None:
    """Keep the scenario's outcome across its setup, call and teardown reports."""
    previous = item.stash.get(OUTCOME_KEY, ("passed", ""))
    if report.failed:
        detail = str(report.longrepr)[:4000] if report.longrepr else ""
        item.stash[OUTCOME_KEY] = ("failed" if report.when == "call" else "error", detail)
    elif report.skipped and previous[0] == "passed":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        item.stash[OUTCOME_KEY] = ("skipped", str(reason))
    elif report.when in ("setup", "call") and previous == ("passed", ""):
        item.stash[OUTCOME_KEY] = ("passed", "")


def judge(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], verifier: Verifier) -> None:
    """Everything the engine does with one report of a scenario, in order."""
    fail_unmet(report, verifier)
    record_death(item, report, call, verifier)
    annotate(report, verifier)
    remember(item, report)


def final(item: pytest.Item) -> tuple[str, str]:
    """(outcome, detail) once the scenario has run; "error" when pytest never reported on it."""
    return item.stash.get(OUTCOME_KEY, ("error", "no report"))
