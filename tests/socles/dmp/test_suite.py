"""End to end: the DMP suite through the real engine with the reference DUI, and every seeded DMP
defect failing exactly its requirement.

`test_reference_dui_passes_the_suite` runs `pytest --socle=dmp --dui=demo` in a child process
(runner.py registers the socle the way an entry point will). The per-defect proof replays, in
process, the feeds the suite makes (N1, DLU, closed DMP, non-qualified identity) against one mock
DMP and runs the same registered checks on what it captured; the full-run sweep over every defect
is the slow twin of tests/test_sensitivity.py (one child run per defect), too slow for this set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import identities
from conformance.demo.defects import Defect, defects_for
from conformance.drivers.base import Action
from conformance.model import Artifact, CheckContext, Finding, Level, Verdict
from conformance.pki import TestPKI
from conformance.registry import checks_for
from conformance.requirements import load_catalog
from conformance.socles.dmp import SOCLE
from conformance.socles.dmp.fixtures import document, exchange_artifact, is_cda
from conformance.socles.dmp.service import DmpService

from .runner import run_suite
from .support import demo_for, running_dmp

DMP_DEFECTS = defects_for("dmp")


@pytest.mark.requirements("DMP-T01", "DMP-V02", "DMP-X01", "DMP-C02", "DMP-I04", "DMP-R01")
def test_reference_dui_passes_the_suite(tmp_path: Path) -> None:
    code, tail, results = run_suite(tmp_path / "run")
    assert code == 0, tail
    socle = results["socles"]["dmp"]
    assert socle["verdict"] in ("pass", "pass-with-warnings"), tail
    passed = int(tail.split(" passed")[0].rsplit(None, 1)[-1])
    assert passed >= 30, tail


def _findings(service: DmpService, defect: str | None) -> list[Finding]:
    dui = demo_for(service, defect)
    found: list[Finding] = []
    feeds = [
        ("resident-qualified", "suivi"),
        ("resident-second", "dlu"),
        ("resident-corsica", "suivi"),
        ("resident-unqualified", "suivi"),
    ]
    for key, kind in feeds:
        patient = identities.patient(key)
        mark = service.log.mark()
        outcome = dui.act(Action("dmp.feed", {"patient": patient, "document": document(kind)}))
        ctx = CheckContext(
            patient=patient,
            extra={"ca_bundle": str(service.pki.ca_bundle), "batch_feed": True, "facility_type": "SA17"},
        )
        if not patient["qualified"] and outcome.status != "refused":
            found.append(Finding("DMP-I04", Verdict.FAIL, "fed a non-qualified identity", "identité non qualifiée"))
        for ex in service.log.since(mark):
            arts = [
                Artifact("soap", "r", ex.request, {"content_type": ex.content_type}),
                exchange_artifact(outcome, ex),
            ]
            if ex.envelope:
                arts.append(Artifact("xds-metadata", "e", ex.envelope, {"documents": ex.documents}))
            arts += [Artifact("cda", d, data) for d, data in ex.documents.items() if is_cda(data)]
            for art in arts:
                for c in checks_for(art.kind, ["dmp"]):
                    found.extend(c.fn(art, ctx))
    return found


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
    assert _failing_exigences(_findings(dmp_service, defect.name)) == {defect.requirement}


def test_dmp_defect_catalogue() -> None:
    """Each DMP defect names a checked EXIGENCE of the DMP catalog and has exactly one switch."""
    from conformance.demo.dmp_switches import FLAWS, NONE

    cat = load_catalog(SOCLE.catalog)
    assert len(DMP_DEFECTS) >= 25
    assert {d.name for d in DMP_DEFECTS} == set(FLAWS)
    for d in DMP_DEFECTS:
        req = cat[d.requirement]
        assert req.level is Level.EXIGENCE and req.checked, d.name
        assert FLAWS[d.name] != NONE, d.name
