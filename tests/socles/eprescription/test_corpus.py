"""The IG's own examples (../shared/corpus, skipped when absent), validated with the IG package loaded:
no crash, and the failures the harness reports are the real ones (docs/eprescription-corpus-findings.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.formats.fhir import FhirPackage, Severity, load_package, validate_bundle
from conformance.model import Finding, Verdict
from tests.socles.eprescription.helpers import CORPUS, failures, findings, good, verdict

EXAMPLES = CORPUS / "eprescription"
IG = CORPUS / "eprescription-ig"


@pytest.fixture(scope="module")
def ig() -> FhirPackage:
    if not IG.is_dir():
        pytest.skip("../shared/corpus is absent")
    started = time.perf_counter()
    pkg = load_package(IG)
    assert time.perf_counter() - started < 5
    assert pkg.name == "ans.fhir.fr.eprescription" and pkg.version == "1.1.0-ballot"
    return pkg


@pytest.fixture(scope="module")
def corpus_findings(ig: FhirPackage) -> dict[str, list[Finding]]:
    out = {}
    for f in sorted(EXAMPLES.glob("*.json")):
        out[f.name] = findings(f.read_bytes(), packages=[ig])
    assert len(out) == 57
    return out


def _all(found: dict[str, list[Finding]]) -> Iterator[Finding]:
    for fs in found.values():
        yield from fs


@pytest.mark.requirements("EP-01", "EP-08", "ID-01", "EP-16", "EP-18", "EP-20", "EP-10", "GEN-02")
def test_every_example_is_judged_and_the_real_defects_are_found(corpus_findings: dict[str, list[Finding]]) -> None:
    for name, found in corpus_findings.items():
        assert found and all(f.location.startswith("Bundle") for f in found), name
        assert verdict(found, "GEN-02") is Verdict.PASS
        assert "ans.fhir.fr.eprescription#1.1.0-ballot" in [f for f in found if f.requirement == "GEN-02"][0].message_en
    c = corpus_findings
    assert failures(c["Bundle-HAS-01-Presc-Pantoprazole-MV.json"], "EP-08")  # Medicabase placeholder system
    assert any(
        "key 49, expected 46" in f.message_en
        for f in failures(c["Bundle-TradPN13FHIR-Presc-Morphine-PCA.json"], "ID-01")
    )
    assert failures(c["Bundle-MultiLine-Presc-Sucralfate-Paracetamol.json"], "EP-18")  # typo in action.resource
    assert failures(c["Bundle-TradPN13FHIR-Presc-DOLIPRANE-Interpret.json"], "EP-16")  # inclusive end
    assert failures(c["Bundle-Presc-Fentanyl-patch72h-TL3j.json"], "EP-20")  # patch without duration
    assert failures(c["Bundle-Presc-Betamethasone-ApplCut.json"], "EP-10")  # '#edication-…' points nowhere


@pytest.mark.requirements("EP-01", "EP-08", "EP-13", "EP-15", "EP-16")
def test_valid_content_is_not_failed_for_wrong_reasons(
    ig: FhirPackage, corpus_findings: dict[str, list[Finding]]
) -> None:
    for f in sorted(EXAMPLES.glob("*.json")):
        report = validate_bundle(f.read_bytes(), [ig])
        assert not [i for i in report.issues if i.is_error and i.code in ("structure", "slicing", "parse")], f.name
    glucophage = corpus_findings["Bundle-HAS-27-1-presc-GLUCOPHAGE.json"]
    for rid in ("EP-02", "EP-06", "EP-07", "EP-08", "EP-13", "EP-14", "EP-15", "EP-16"):
        assert not failures(glucophage, rid), rid
    assert [f for f in findings(good(), packages=[ig]) if f.verdict is Verdict.FAIL] == []


def test_package_warnings_name_the_invariant(ig: FhirPackage) -> None:
    report = validate_bundle((EXAMPLES / "Bundle-HAS-30-2-Presc-Cetirizine.json").read_bytes(), [ig])
    unevaluable = [i for i in report.issues if i.code == "invariant-unevaluable"]
    assert unevaluable and all(i.severity is Severity.WARNING and i.key in i.message_en for i in unevaluable)


def test_corpus_root_is_outside_the_project() -> None:
    assert Path(CORPUS).resolve().parent != Path(__file__).resolve().parents[3]


@pytest.mark.requirements("EP-04", "EP-16", "EP-18", "EP-29", "EP-30", "EP-31", "EP-32", "EP-33", "ID-04")
def test_rules_no_stricter_than_the_ig(ig: FhirPackage) -> None:
    """Issue 12: EP-04, EP-16 and EP-18 re-read against their source; the new rules fail no IG example."""
    from datetime import UTC, datetime

    from conformance.model import CheckContext

    ctx = CheckContext(extra={"at": datetime(2026, 12, 1, tzinfo=UTC)})
    found = {f.name: findings(f.read_bytes(), ctx, packages=[ig]) for f in sorted(EXAMPLES.glob("*.json"))}
    for rid in ("EP-04", "EP-29", "EP-30", "EP-31", "EP-32", "EP-33", "ID-04"):
        assert not [n for n, fs in found.items() if failures(fs, rid)], rid
    assert verdict(found["Bundle-HAS-04a-Presc-Paracetamol.json"], "EP-04") is Verdict.WARN  # a local id only
    assert {n for n, fs in found.items() if failures(fs, "EP-16")} == {
        "Bundle-TradPN13FHIR-Presc-DOLIPRANE-Interpret.json",
        "Bundle-TradPN13FHIR-Presc-Morphine-PCA.json",
        "Bundle-TradPN13FHIR-Presc-Paracetamol-SiDouleur.json",
    }
    # option lines linked by a RequestGroup pass; the failures left are the examples' broken references
    ep18 = [f for fs in found.values() for f in failures(fs, "EP-18")]
    assert ep18 and all("reference" in f.message_en for f in ep18)
    assert sum(1 for fs in found.values() if not [f for f in fs if f.verdict is Verdict.FAIL]) == 10
