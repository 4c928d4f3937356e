"""End to end: the DMP suite through the real engine with the reference DUI, and every seeded DMP
defect failing exactly its requirement.

`test_reference_dui_passes_the_suite` runs `pytest --socle=dmp --dui=demo` in a child process
(helpers.run_suite). The per-defect proof replays, in
process, the steps the suite makes (N1 and DLU feeds, replacement, refusals, untrusted server) against
one mock DMP and runs the same registered checks on what it captured; the full-run sweep over every defect
is the slow twin of tests/test_sensitivity.py (one child run per defect), too slow for this set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.engine.evidence import now_iso
from conformance.engine.verifier import at_capture_time
from conformance.formats.pki import TestPKI
from conformance.messages import Text, finding
from conformance.model import Artifact, CheckContext, Finding, Level, Verdict
from conformance.observations import Observation
from conformance.registry import run_checks
from conformance.requirements import load_catalog
from conformance.socle import Defect
from conformance.socles.dmp import SOCLE
from conformance.socles.dmp.fixtures import DmpHarness, document
from conformance.socles.dmp.messages import M
from conformance.socles.dmp.service.app import DmpService

from .helpers import demo_for, run_suite, running_dmp

DMP_DEFECTS = SOCLE.seeded_defects()


@pytest.mark.requirements("DMP-T01", "DMP-V02", "DMP-X01", "DMP-C02", "DMP-I04", "DMP-R01")
def test_reference_dui_passes_the_suite(tmp_path: Path) -> None:
    code, tail, results = run_suite(tmp_path / "run")
    assert code == 0, tail
    socle = results["socles"]["dmp"]
    assert socle["verdict"] in ("pass", "pass-with-warnings"), tail
    passed = int(tail.split(" passed")[0].rsplit(None, 1)[-1])
    assert passed >= 30, tail


class _Gather:
    """Runs every registered DMP check on what a step hands to `verify`, outside a scenario."""

    declared: list[str] = []

    def __init__(self) -> None:
        self.found: list[Finding] = []

    def artifact(self, art: Artifact, ctx: CheckContext | None = None, **_: object) -> None:
        # judged now, as a scenario judges at the capture time (the VIHF validity window, DMP-V10)
        self.found.extend(run_checks(art, at_capture_time(ctx or CheckContext(), now_iso()), ["dmp"]))

    def expect(self, requirement: str, ok: bool, ko: Text, **_: object) -> None:
        self.found.append(finding(requirement, Verdict.PASS if ok else Verdict.FAIL, ko, "scenario"))

    def observe(self, requirement: str, rule: str, facts: dict[str, object], location: str = "") -> None:
        """What the steps observe, judged by the DMP's observation judges (as in a scenario)."""
        self.artifact(Observation(rule, requirement, facts, location).artifact("dmp"))


def _findings(service: DmpService, defect: str | None) -> list[Finding]:
    """The suite's DMP steps, replayed: N1 and DLU feeds, a replacement, a DMP refusal, a closed DMP,
    a non-qualified identity, an untrusted server."""
    dui = demo_for(service, defect)
    harness = DmpHarness(service, dui, None, {})  # type: ignore[arg-type]
    g = _Gather()
    for key, kind in (("resident-qualified", "suivi"), ("resident-second", "dlu")):
        harness.feed(key, document(kind)).check(g)  # type: ignore[arg-type]
    refused = harness.feed("resident-corsica", document("suivi"), td02_stale=True)
    refused.check(g)  # type: ignore[arg-type]
    closed = harness.feed("resident-corsica", document("suivi"))
    g.artifact(closed.step_artifact(), closed.ctx)
    unqualified = harness.feed("resident-unqualified", document("suivi"))
    g.expect(
        "DMP-I04",
        unqualified.outcome.status == "refused" and not unqualified.exchanges,
        M.text("feed.unqualified-reached", status=unqualified.outcome.status, count=len(unqualified.exchanges)),
    )
    first = harness.feed("resident-qualified", document("suivi"))
    old = str(first.outcome.data.get("document_unique_id") or "")
    if first.outcome.ok:  # as in the suite: no replacement when the first version was not fed
        second = harness.feed("resident-qualified", document("suivi"), replace_of=old)
        new = str(second.outcome.data.get("document_unique_id") or "")
        g.artifact(harness.chain_artifact("resident-qualified", old, new, second), second.ctx)
    rogue = harness.feed("resident-qualified", document("suivi"), variant="rogue-ca")
    g.expect(
        "DMP-H01",
        not rogue.outcome.ok and not rogue.exchanges,
        M.text("transport.server-reached", status=rogue.outcome.status, count=len(rogue.exchanges)),
    )
    return g.found


def _failing_exigences(found: list[Finding]) -> set[str]:
    cat = load_catalog(SOCLE.catalog)
    return {f.requirement for f in found if f.verdict is Verdict.FAIL and cat[f.requirement].level is Level.EXIGENCE}


@pytest.fixture(scope="module")
def dmp_service(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with running_dmp(pki, tmp_path_factory.mktemp("dmp-defects")) as service:
        yield service


def test_reference_dui_fails_nothing(dmp_service: DmpService) -> None:
    assert _failing_exigences(_findings(dmp_service, None)) == set()


@pytest.mark.parametrize(
    "defect", [pytest.param(d, id=d.name, marks=pytest.mark.requirements(d.requirement)) for d in DMP_DEFECTS]
)
def test_each_defect_fails_exactly_its_requirement(dmp_service: DmpService, defect: Defect) -> None:
    found = _findings(dmp_service, defect.name)
    if load_catalog(SOCLE.catalog)[defect.requirement].level is Level.EXIGENCE:
        assert _failing_exigences(found) == {defect.requirement}
    else:  # a PRECONISATION defect (e.g. DMP-S02): its rule fails (a warning once leveled), no EXIGENCE does
        assert _failing_exigences(found) == set()
        assert any(f.requirement == defect.requirement and f.verdict is Verdict.FAIL for f in found)
