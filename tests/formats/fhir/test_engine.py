"""Engine pieces: JSON limits, references in a Bundle, the fast shape walker against the pydantic
models, and FHIRPath helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.formats.fhir import JsonLimits, Severity, load_json, validate_bundle
from conformance.formats.fhir.base import check_structure
from conformance.formats.fhir.fhirpath import evaluate, guard_element

REPO = Path(__file__).resolve().parents[3]
GOOD = json.loads((REPO / "fixtures" / "eprescription" / "ordonnance-good.json").read_text(encoding="utf-8"))
CORPUS = REPO / ".." / "shared" / "corpus"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{", "parse"),
        (b'{"a": Infinity}', "parse"),
        (b"x" * 100, "too-large"),
        (b"[" * 30 + b"]" * 30, "too-deep"),
        (b'{"a":1,"a":2}', "parse"),
    ],
)
def test_json_limits(data: bytes, code: str) -> None:
    obj, issues = load_json(data, JsonLimits(max_bytes=64, max_depth=20))
    assert obj is None and issues[0].code == code and issues[0].path.startswith("Bundle")


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b'{"n": ' + b"9" * 4301 + b"}", "parse", "4301 characters"),  # int() raised ValueError past 4,300 digits
        (b'{"n": 1e400}', "parse", "out of range"),
        (b'{"n": NaN}', "parse", "not a JSON number"),
        (b'{"a": [' + b",".join([b"1"] * 11) + b"]}", "too-large", "11 items"),
        (json.dumps({f"k{i}": [] for i in range(60)}).encode(), "too-large", "more than 50 values"),
        (b'{"s": "\\ud800"}', "parse", "surrogate"),
    ],
)
def test_json_value_limits_are_clean_issues(data: bytes, code: str, words: str) -> None:
    limits = JsonLimits(max_array=10, max_nodes=50)
    obj, issues = load_json(data, limits)
    assert obj is None and issues[0].code == code and words in issues[0].message_en, issues
    assert issues[0].message_fr and issues[0].message_fr != issues[0].message_en


@pytest.mark.parametrize(
    "data",
    [b'{"n": ' + b"9" * 64 + b"}", b'{"a": [' + b",".join([b"1"] * 10) + b"]}", b'{"s": "\\ud83d\\ude00"}'],
)
def test_json_within_the_limits_is_read(data: bytes) -> None:
    obj, issues = load_json(data, JsonLimits(max_array=10, max_nodes=50))
    assert obj is not None and issues == []


def _bundle(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_reference_resolution_kinds() -> None:
    obs = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "poids"},
        "subject": {"reference": "#p1"},
        "contained": [{"resourceType": "Patient", "id": "p1"}],
        "hasMember": [
            {"reference": "#nowhere"},
            {"reference": "Observation/o2"},
            {"reference": "#o3"},
            {"reference": "urn:uuid:9b0c3a53-0000-4000-8000-000000000000"},
        ],
    }
    o3 = {"resourceType": "Observation", "id": "o3", "status": "final", "code": {"text": "taille"}}
    dup = {"fullUrl": "urn:uuid:9b0c3a53-0000-4000-8000-000000000001", "resource": o3}
    twin = copy.deepcopy(dup)
    twin["resource"]["id"] = "o4"
    report = validate_bundle(_bundle([{"resource": obs}, dup, twin]))
    by_path = {i.path: i for i in report.issues if i.code == "reference"}
    base = "Bundle.entry[0].resource.ofType(Observation)"
    assert f"{base}.subject.reference" not in by_path  # contained: fine
    assert by_path[f"{base}.hasMember[0].reference"].severity is Severity.ERROR
    assert by_path[f"{base}.hasMember[1].reference"].severity is Severity.WARNING  # external
    assert by_path[f"{base}.hasMember[2].reference"].key == "ref-1"  # '#id' of an entry, not contained
    assert by_path[f"{base}.hasMember[3].reference"].severity is Severity.ERROR
    assert by_path["Bundle.entry[2].fullUrl"].severity is Severity.ERROR


def test_fast_shape_agrees_with_pydantic_models() -> None:
    resources = [e["resource"] for e in GOOD["entry"]]
    if CORPUS.is_dir():
        for f in sorted((CORPUS / "eprescription").glob("*.json")):
            resources += [e["resource"] for e in json.loads(f.read_text(encoding="utf-8"))["entry"]]
    line = copy.deepcopy(GOOD["entry"][4]["resource"])
    mutations = [
        lambda r: r.update(foo=1),
        lambda r: r.update(status=5),
        lambda r: r.pop("status"),
        lambda r: r.update(authoredOn="2025-13-01"),
        lambda r: r.update(medicationReference={"reference": "x"}),
        lambda r: r.pop("medicationCodeableConcept"),
        lambda r: r.update(intent="nope"),
        lambda r: r.update(note=[]),
        lambda r: r.update(authoredOn="2025-01-01T10:00:00"),
    ]
    bad = []
    for m in mutations:
        r = copy.deepcopy(line)
        m(r)
        bad.append(r)
    for r in resources:
        assert check_structure(r, "R") == [] and check_structure(r, "R", strict=True) == []
    for r in bad:
        assert check_structure(r, "R") and check_structure(r, "R", strict=True)


def test_fhirpath_helpers() -> None:
    assert (
        evaluate("type = 'document' implies timestamp.hasValue()", {"resourceType": "Bundle", "type": "document"}).holds
        is False
    )
    out = evaluate("htmlChecks()", {"resourceType": "Bundle"})
    assert out.holds is None and "htmlChecks" in out.error
    assert evaluate("code.exists( and", {}).holds is None
    assert guard_element("contained.contained.empty()") == "contained"
    assert guard_element("code.exists() implies system.exists()") == "code"
    assert guard_element("code.empty() implies system.empty()") is None
    assert guard_element("x.count().empty()") is None
