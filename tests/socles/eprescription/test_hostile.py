"""Hostile Bundles through the registered check: a failing finding with a FHIRPath and a rule id,
never a traceback, in bounded time."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from conformance.model import Artifact, CheckContext, Verdict
from conformance.registry import run_checks
from conformance.socles.eprescription import SOCLE
from tests.socles.eprescription.helpers import LINE1, good, res, variant


def run(data: bytes) -> list[Any]:
    SOCLE.load_checks()
    started = time.perf_counter()
    found = run_checks(Artifact("fhir", "bundle.json", data), CheckContext(), ["eprescription"])
    assert time.perf_counter() - started < 5
    assert all(f.evidence for f in found)
    return found


def fails(found: list[Any], rid: str) -> list[Any]:
    return [f for f in found if f.requirement == rid and f.verdict is Verdict.FAIL]


@pytest.mark.requirements("EP-01")
@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"resourceType": "Patient"}',
        b'{"a": NaN}',
        b'{"resourceType": "Bundle", "resourceType": "Bundle"}',
    ],
)
def test_unreadable_input(data: bytes) -> None:
    bad = fails(run(data), "EP-01")
    assert bad and all(f.location.startswith("Bundle") for f in bad)


@pytest.mark.requirements("EP-01")
def test_twenty_megabyte_bundle_is_refused_fast() -> None:
    b = good()
    res(b, LINE1)["note"] = [{"text": "x" * 1000} for _ in range(20_000)]
    data = json.dumps(b).encode()
    assert len(data) > 20_000_000
    started = time.perf_counter()
    bad = fails(run(data), "EP-01")
    assert time.perf_counter() - started < 1
    assert bad and "limit" in bad[0].message_en and bad[0].location == "Bundle"


@pytest.mark.requirements("EP-01")
@pytest.mark.parametrize("depth", [100, 50_000])
def test_deeply_nested_extensions(depth: int) -> None:
    leaf = '{"url": "http://example.org/leaf", "valueString": "x"}'
    nested = '{"url": "http://example.org/n", "extension": [' * depth + leaf + "]}" * depth
    text = json.dumps(good()).replace('"extension": [', '"extension": [' + nested + ", ", 1)
    bad = fails(run(text.encode()), "EP-01")
    assert bad and "deep" in bad[0].message_en
    assert bad[0].location.startswith("Bundle")


@pytest.mark.requirements("EP-03")
def test_reference_to_nowhere() -> None:
    b = variant(
        lambda bb: res(bb, LINE1).update(requester={"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"})
    )
    bad = fails(run(json.dumps(b).encode()), "EP-03")
    assert any(
        f.location == "Bundle.entry[4].resource.ofType(MedicationRequest).requester.reference"
        and "points to nothing" in f.message_en
        for f in bad
    )


@pytest.mark.requirements("EP-01")
def test_unknown_resource_type() -> None:
    b = variant(lambda bb: bb["entry"].append({"resource": {"resourceType": "Prescription", "id": "x"}}))
    bad = fails(run(json.dumps(b).encode()), "EP-01")
    assert any(f.location == "Bundle.entry[6].resource.ofType(Prescription)" for f in bad)
    contained = variant(lambda bb: res(bb, LINE1).update(contained=[{"resourceType": "Ordonnance"}]))
    bad = fails(run(json.dumps(contained).encode()), "EP-01")
    assert any(f.location.endswith(".contained[0].ofType(Ordonnance)") for f in bad)


@pytest.mark.requirements("GEN-01")
def test_wrong_fhir_version() -> None:
    r5_line = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medication": {"concept": {"text": "paracétamol 1 g"}},
        "subject": {"reference": "Patient/p"},
        "renderedDosageInstruction": "1 comprimé le matin",
    }
    bad = fails(run(json.dumps(variant(lambda bb: bb["entry"].append({"resource": r5_line}))).encode()), "GEN-01")
    assert any("R5" in f.message_en and f.location == "Bundle.entry[6].resource.ofType(MedicationRequest)" for f in bad)
    r4b = variant(lambda bb: bb["entry"].append({"resource": {"resourceType": "SubscriptionTopic", "id": "t"}}))
    assert fails(run(json.dumps(r4b).encode()), "GEN-01")


@pytest.mark.requirements("EP-01")
def test_artifact_mode_routes_fhir_files_to_the_check() -> None:
    from conformance.engine.validate import input_rule, validate_bytes

    SOCLE.load_checks()

    assert input_rule("fhir", ["eprescription"]) == "EP-01"
    result = validate_bytes("ordonnance.json", json.dumps(good()).encode(), socles=["eprescription"])
    assert result.kind == "fhir" and result.verdict == "pass"
    broken = validate_bytes("ordonnance.json", b'{"resourceType": "Bundle", "entry": [', socles=["eprescription"])
    assert broken.verdict == "fail" and any(f.requirement == "EP-01" for f in broken.findings)
